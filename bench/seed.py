"""Fast seeding for the benchmark: institutions with logged-in sessions, and the copyright record
table at size, written set-wise by PostgreSQL (INSERT ... SELECT generate_series) rather than row by
row through the ORM. Runs in the harness process under bench.settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db import connection
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import timezone
from django.utils.crypto import get_random_string

from registration.models import Institution

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
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
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


_RECORD_COLUMNS = (
    "institution_id, service, work_kind, created_at, local_date, year, citation, title_key, "
    "key_source, statement, basis, status, outcome, counted, permission_reference, fee_paid, "
    "determination_kind, determination_note, retain_until, purge_on, legal_hold, "
    "legal_hold_reason"
)

# One row per n: institution, key, day and status vary with n; outcomes agree with the model's
# constraints (counted only for ACCEPT_CCG).
_RECORD_SELECT = """
SELECT inst.ids[1 + (n %% inst.count)], 'copy', 'periodical',
       day + make_interval(secs => (n %% 36000)), day::date, extract(year FROM day)::int,
       jsonb_build_object('title', 'Journal ' || (n %% %(keys)s)),
       'ISSN:' || lpad(((n * 7919) %% %(keys)s)::text, 8, '0'), 'issn', 'CCG', '',
       (%(statuses)s::text[])[1 + (n %% cardinality(%(statuses)s::text[]))],
       CASE WHEN n %% 7 = 0 THEN 'NEEDS_PERMISSION' ELSE 'ACCEPT_CCG' END,
       n %% 7 <> 0, '', false, '', '',
       make_date(extract(year FROM day)::int + 3, 12, 31),
       make_date(extract(year FROM day)::int + 4, 1, 1), false, ''
FROM generate_series(1, %(count)s) AS n,
     LATERAL (SELECT %(first_day)s::timestamptz + ((n %% %(days)s) || ' days')::interval
              AS day) AS d,
     (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS count
      FROM registration_institution) AS inst
"""


_CURRENT_STATUSES = ["filled", "filled", "filled", "cancelled", "shipped", "unfilled"]
_FINAL_STATUSES = ["filled", "filled", "filled", "cancelled", "unfilled", "refused"]


def seed_records(count: int, *, first_day: date, days: int, final_only: bool) -> None:
    """`count` records spread over every institution, RECORD_TITLE_KEYS keys and `days` days
    from `first_day`. Records created four years ago are due for the purge; recent ones are not."""
    if count <= 0:
        return
    sql = f"INSERT INTO copyright_rules_record ({_RECORD_COLUMNS}) {_RECORD_SELECT}"  # noqa: S608
    params: dict[str, Any] = {
        "count": count,
        "keys": RECORD_TITLE_KEYS,
        "first_day": first_day,
        "days": days,
        "statuses": _FINAL_STATUSES if final_only else _CURRENT_STATUSES,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("ANALYZE copyright_rules_record")


def count_records() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM copyright_rules_record")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
