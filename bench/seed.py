"""Fast seeding for the benchmark: institutions with logged-in sessions, and the copyright record
table at size, written set-wise by PostgreSQL (INSERT ... SELECT generate_series) rather than row by
row through the ORM. Runs in the harness process under bench.settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db import connection
from django.db.models import Model
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import timezone
from django.utils.crypto import get_random_string

from copyright_rules.models import Decision, Record
from registration.models import Institution, OutboxMessage
from requests_app.models import IsoMessage, Request, RequestEmail, RequestEvent

if TYPE_CHECKING:
    from django.db.backends.utils import _SQLType

# Distinct keys the seeded records spread over: a network's worth of journal titles.
RECORD_TITLE_KEYS = 50_000


@dataclass(frozen=True)
class Account:
    """A verified institution with a logged-in session, as a browser would hold it."""

    institution_id: int
    user_id: int
    symbol: str
    session_key: str
    csrf_secret: str

    @property
    def cookie(self) -> str:
        return (
            f"{settings.SESSION_COOKIE_NAME}={self.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={self.csrf_secret}"
        )

    def as_plan(self) -> dict[str, str]:
        return {"cookie": self.cookie, "csrf": self.csrf_secret, "symbol": self.symbol}


def bench_symbol(number: int) -> str:
    return f"B{number:05d}"


def seed_institutions(count: int) -> list[Institution]:
    """`count` verified institutions. Argon2 is slow by design: one hash serves every account
    (the benchmark logs in by session, never by password)."""
    password = make_password(get_random_string(24))
    now = timezone.now()
    users = User.objects.bulk_create(
        User(username=bench_symbol(n), password=password, email=f"ill{n}@bench.invalid")
        for n in range(count)
    )
    return Institution.objects.bulk_create(
        Institution(
            oclc_symbol=user.username,
            name=f"Benchmark Library {user.username}",
            street="1 Main Street",
            city="Springfield",
            region="IL",
            postal_code="62701",
            contact_name="ILL Librarian",
            email=user.email,
            phone="+1 217 555 0100",
            user=user,
            verified_at=now,
        )
        for user in users
    )


def log_in(institution: Institution) -> Account:
    """A session exactly as `django.contrib.auth.login` leaves it, saved to the database and
    the cache (cached_db), plus the CSRF cookie secret a browser would hold."""
    user = institution.user
    assert user is not None
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "illdesk.auth.InstitutionUserBackend"  # the one that logs in
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return Account(
        institution_id=institution.pk,
        user_id=user.pk,
        symbol=institution.oclc_symbol,
        session_key=session.session_key,
        csrf_secret=get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS),
    )


def _insert(
    model: type[Model], source: str, values: dict[str, str]
) -> tuple[str, dict[str, _SQLType]]:
    """INSERT INTO the model's table SELECT ... FROM `source`: the given SQL expressions for
    some columns, NULL or the field's own default for every other one (so a column added to the
    model later is filled too)."""
    columns, expressions, params = [], [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(str(field.column))
        if field.column in values:
            expressions.append(values[field.column])
        elif field.null:
            expressions.append("NULL")
        elif field.has_default() or field.empty_strings_allowed:
            name = f"{model._meta.model_name}_{field.column}"
            params[name] = field.get_db_prep_save(field.get_default(), connection)
            expressions.append(f"%({name})s")
        else:
            raise ValueError(f"the benchmark gives no value for {model.__name__}.{field.name}")
    table = model._meta.db_table
    select = ", ".join(expressions)
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {source}", params


# One row per n: institution, day and status vary with n, spread evenly.
_SOURCE = """
inst AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS total
         FROM registration_institution WHERE %(all)s OR id = ANY(%(only)s)),
src AS (SELECT n, inst.ids[1 + (n %% inst.total)] AS institution_id,
               %(first_day)s::timestamptz
                 + make_interval(days => ((n / inst.total) %% %(days)s)::int,
                                 secs => (n %% 36000)::float8) AS at,
               (%(statuses)s::text[])[1 + (n %% cardinality(%(statuses)s::text[]))] AS status
        FROM generate_series(1, %(count)s::bigint) AS n, inst)
"""

# Outcomes agree with the model's constraints (counted only for ACCEPT_CCG).
_RECORD = {
    "institution_id": "institution_id",
    "service": "'copy'",
    "work_kind": "'periodical'",
    "created_at": "at",
    "local_date": "at::date",
    "year": "extract(year FROM at)::int",
    "citation": "jsonb_build_object('title', 'Journal ' || (n %% %(keys)s))",
    "title_key": "'ISSN:' || lpad(((n * 7919) %% %(keys)s)::text, 8, '0')",
    "key_source": "'issn'",
    "statement": "'CCG'",
    "status": "status",
    "outcome": "CASE WHEN n %% 7 = 0 THEN 'NEEDS_PERMISSION' ELSE 'ACCEPT_CCG' END",
    "counted": "n %% 7 <> 0",
    "retain_until": "make_date(extract(year FROM at)::int + 3, 12, 31)",
    "purge_on": "make_date(extract(year FROM at)::int + 4, 1, 1)",
    # Dated in UTC, as local_date and year are (at::date).
    "time_zone": "'UTC'",
    "purge_at": "make_date(extract(year FROM at)::int + 4, 1, 1)::timestamp AT TIME ZONE 'UTC'",
}
_DECISION = {
    "record_id": "id",
    "outcome": "outcome",
    "rule": "'R10'",
    "counted": "counted",
    "title_key": "title_key",
    "explanation": "'Seeded by the benchmark.'",
    "created_at": "created_at",
}
_REQUEST_STATUS = (
    "CASE status WHEN 'cancelled' THEN 'cancelled' WHEN 'unfilled' THEN 'refused' "
    "WHEN 'refused' THEN 'refused' WHEN 'accepted' THEN 'new' ELSE 'delivered' END"
)
_REFUSED = "status IN ('unfilled', 'refused')"
_REQUEST = {
    "institution_id": "institution_id",
    "record_id": "id",
    "service": "'copy'",
    "status": _REQUEST_STATUS,
    "created_at": "created_at",
    "updated_at": "created_at",
    "work_kind": "'periodical'",
    "title": "citation->>'title'",
    "article_title": "'Article ' || id",
    "publication_date": "extract(year FROM created_at)::text",
    "refusal_reason": f"CASE WHEN {_REFUSED} THEN 'not_owned' ELSE '' END",
    "reason": f"CASE WHEN {_REFUSED} THEN 'Not held by the office.' ELSE '' END",
    # requests_app.search's columns: the ISSN as its key, the title and article title as words.
    "search_keys": "' ' || substr(title_key, 6) || ' '",
    "search_text": "lower(citation->>'title' || ' article ' || id)",
}

_CURRENT_STATUSES = ["filled", "filled", "filled", "cancelled", "shipped", "unfilled"]
_FINAL_STATUSES = ["filled", "filled", "filled", "cancelled", "unfilled", "refused"]


def seed_records(
    count: int,
    *,
    first_day: date,
    days: int,
    final_only: bool,
    institution_ids: list[int] | None = None,
) -> None:
    """`count` copy requests with their record and decision, spread evenly over the
    institutions (all, or `institution_ids`), RECORD_TITLE_KEYS title keys and `days` days from
    `first_day`. Records created four years ago are due for the purge; recent ones are not."""
    if count <= 0:
        return
    record_sql, record_params = _insert(Record, "src", _RECORD)
    decision_sql, decision_params = _insert(Decision, "rec", _DECISION)
    request_sql, request_params = _insert(Request, "rec", _REQUEST)
    sql = (
        f"WITH {_SOURCE}, rec AS ({record_sql} RETURNING *), dec AS ({decision_sql}) {request_sql}"
    )
    params: dict[str, _SQLType] = {
        **record_params,
        **decision_params,
        **request_params,
        "count": count,
        "keys": RECORD_TITLE_KEYS,
        "first_day": first_day,
        "days": days,
        "statuses": _FINAL_STATUSES if final_only else _CURRENT_STATUSES,
        "all": institution_ids is None,
        "only": institution_ids or [],
    }
    with bulk_loading([Record, Decision, Request]), connection.cursor() as cursor:
        cursor.execute(sql, params)


# What each seeded request gathers over its life: its timeline (submitted, then its last step),
# the outbox row of its first email, for one in ten an ISO 18626 message, for one in fifty an
# entry of the admin's change history. The purge deletes all of them with the request.
_HISTORY: list[tuple[type[Model], str, dict[str, str]]] = [
    (
        RequestEvent,
        "requests_app_request, generate_series(1, 2) AS step",
        {
            "request_id": "id",
            "action": (
                f"CASE step WHEN 1 THEN '{RequestEvent.Action.SUBMITTED}' "
                f"ELSE '{RequestEvent.Action.FILLED}' END"
            ),
            "to_status": f"CASE step WHEN 1 THEN '{Request.Status.NEW}' ELSE status END",
            "created_at": "created_at",
        },
    ),
    (
        OutboxMessage,
        "requests_app_request",
        {
            "email": f"'{RequestEmail.RECEIVED}'",
            "target_id": "id",
            "institution_id": "institution_id",
            "status": f"'{OutboxMessage.Status.SENT}'",
            "created_at": "created_at",
            "updated_at": "created_at",
            "sent_at": "created_at",
        },
    ),
    (
        IsoMessage,
        "requests_app_request WHERE id %% 10 = 0",
        {
            "request_id": "id",
            "direction": f"'{IsoMessage.Direction.IN}'",
            "kind": "'request'",
            "raw": "'<ISO18626Message/>'",
            "created_at": "created_at",
        },
    ),
    (
        LogEntry,
        "requests_app_request WHERE id %% 50 = 0",
        {
            "action_time": "created_at",
            "user_id": "(SELECT min(id) FROM auth_user)",
            "content_type_id": "%(request_type)s",
            "object_id": "id::text",
            "object_repr": "title",
            "action_flag": str(CHANGE),
        },
    ),
]


def seed_request_history() -> None:
    """The rows of _HISTORY for every request in the table."""
    models = [model for model, _, _ in _HISTORY]
    request_type = ContentType.objects.get_for_model(Request).pk
    with bulk_loading(models), connection.cursor() as cursor:
        for model, source, values in _HISTORY:
            sql, params = _insert(model, source, values)
            cursor.execute(sql, {**params, "request_type": request_type})


# Building an index once over the loaded rows is several times faster than updating it row by
# row, and the tables' foreign keys are satisfied by construction.
_SECONDARY_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = %(table)s
  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %(table)s::regclass)
"""


_loading: list[bool] = []


@contextmanager
def bulk_loading(models: list[type[Model]]) -> Iterator[None]:
    """Load with the tables' secondary indexes dropped and foreign-key triggers off; rebuild
    the very same indexes (their definitions as PostgreSQL reports them) and VACUUM ANALYZE.
    Nested loads share the outer one, so several loads pay for one rebuild."""
    if _loading:
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        definitions: list[str] = []
        for table in tables:
            cursor.execute(_SECONDARY_INDEXES, {"table": table})
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                definitions.append(definition)
        cursor.execute("SET session_replication_role = replica")
        _loading.append(True)
        try:
            yield
        finally:
            _loading.clear()
            cursor.execute("SET session_replication_role = DEFAULT")
            for definition in definitions:
                cursor.execute(definition)
            # A production table's old pages are vacuumed (all-visible), so index-only scans
            # work; VACUUM cannot run inside a transaction (a caller's atomic block).
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            for table in tables:
                cursor.execute(f"{command} {table}")


def count_records() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM copyright_rules_record")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
