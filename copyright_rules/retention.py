"""Guideline 4 retention: records are kept through 31 Dec (Y + 3) and purged from 1 Jan (Y + 4).

The purge deletes only what docs/copyright.md section 7 allows (due, final, no unpaid fee, no legal
hold), in batches of their own transactions so the table is never locked for long and an
interrupted run, started again, finishes the job. What a record takes with it is listed in
`PURGED_TABLES`, and a batch deletes from each of those tables. On PostgreSQL the whole batch is
one statement built from the list (`_chain_sql`); elsewhere (SQLite) one statement per table,
children before their parents. A model added later that points at one of them must be added to
the list (the coverage test fails until it is), once someone has decided what happens to its
rows. The admin's change history (`LogEntry`) names objects in `object_repr` (a request's
title), so the entries about every purged row go with it. A model whose rows are named by id
without a foreign key (the email outbox names a request by `target_id`) says so with a
`purged_with()` class method, and those rows go too.

A record is due when the current date in the zone that dated it, stored with it, is on or after
its purge date (docs/copyright.md section 10, ruling 10): `purge_at` is the start of that date
in that zone, so the purge compares it with the current moment, whatever zone is configured now.
It logs counts, never contents.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from time import sleep
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import CharField, FileField, ForeignKey, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.sql.subqueries import DeleteQuery
from django.utils import timezone
from psycopg import sql

from copyright_rules.models import Record

BATCH_SIZE = 5000
# Larger batches measured no faster, hold their row locks longer, and on SQLite the batch's ids
# are statement parameters (at most 32,766 of them).
MAX_BATCH_SIZE = 20_000
logger = logging.getLogger(__name__)

StoredFile = tuple[FileField, str]
# A query of rows that name a purged row by id without a foreign key, and the column naming it.
LooseReference = tuple[QuerySet, str]
# A purge date, or the moment of the purge: see `Record.objects.due_for_purge`.
PurgeTime = date | datetime
# A value the ORM compiled into a statement's parameters.
Param = int | float | str | bytes | date | None


@dataclass(frozen=True)
class PurgedTable:
    """A table the purge deletes from: its model, and the ORM path from its rows to the purged
    record's primary key (its first step is the foreign key pointing at the parent table)."""

    label: str  # app_label.ModelName
    lookup: str = "pk"

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.label)

    @property
    def via(self) -> ForeignKey | None:
        """The foreign key pointing at the parent table; None for the record's own table."""
        if self.lookup == "pk":
            return None
        field = self.model._meta.get_field(self.lookup.split("__")[0])
        assert isinstance(field, ForeignKey)
        return field


# What a purged record takes with it (docs/copyright.md section 7), each table after the one its
# rows point at: on PostgreSQL each table's DELETE reads the keys its parent's returned, elsewhere
# the purge deletes them in the reverse order, children first. Every relation here is a CASCADE
# foreign key. A model that points at one of these tables is added here, once someone has decided
# what becomes of its rows when their record goes: the test of this list fails until it is, and
# the database's foreign keys refuse the purge's DELETE meanwhile.
PURGED_TABLES: tuple[PurgedTable, ...] = (
    PurgedTable("copyright_rules.Record"),
    PurgedTable("copyright_rules.RecordIdentifier", "record"),
    PurgedTable("copyright_rules.Decision", "record"),
    PurgedTable("copyright_rules.RecordStatusChange", "record"),
    PurgedTable("requests_app.Request", "record"),
    PurgedTable("requests_app.RequestEvent", "request__record"),
    PurgedTable("requests_app.IsoTransaction", "request__record"),
    PurgedTable("requests_app.IsoMessage", "request__record"),
    PurgedTable("catalog.Lookup", "request__record"),
    PurgedTable("catalog.Candidate", "lookup__request__record"),
    PurgedTable("delivery.Delivery", "request__record"),
    PurgedTable("delivery.Source", "delivery__request__record"),
    PurgedTable("policy.RuleDecision", "request__record"),
    PurgedTable("policy.Attention", "request__record"),
    PurgedTable("policy.RuleSuggestion", "request__record"),
    PurgedTable("fees.Charge", "request__record"),
    PurgedTable("fees.ChargeEvent", "charge__request__record"),
    PurgedTable("fees.BillingInfo", "request__record"),
)


def copyright_today() -> date:
    """Today in COPYRIGHT_TIME_ZONE, the zone that dates new requests."""
    return timezone.localdate(timezone=ZoneInfo(settings.COPYRIGHT_TIME_ZONE))


def count_due_records(when: PurgeTime) -> int:
    return Record.objects.due_for_purge(when).count()


def pacing_errors(batch_size: int, pause: float) -> dict[str, str]:
    """What is wrong with a purge's pacing, by parameter ("batch_size", "pause"): the one rule
    behind the function's arguments, the command's options and the COPYRIGHT_PURGE_* settings."""
    errors = {}
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        errors["batch_size"] = (
            f"must be a whole number from 1 to {MAX_BATCH_SIZE}, not {batch_size}"
        )
    if not (math.isfinite(pause) and pause >= 0):
        errors["pause"] = f"must be a number of seconds, 0 or more, not {pause}"
    return errors


def purge_due_records(when: PurgeTime, *, batch_size: int = BATCH_SIZE, pause: float = 0.0) -> int:
    """Delete every record due at `when` (the current moment, or a day read in each record's
    own zone), batch by batch, resting `pause` seconds after each batch so interactive work gets
    the database meanwhile; returns how many were deleted."""
    if errors := pacing_errors(batch_size, pause):
        raise ValueError("; ".join(f"{name} {problem}" for name, problem in errors.items()))
    total = 0
    while deleted := _purge_batch(when, batch_size):
        total += deleted
        logger.info("copyright record purge: %d deleted so far", total)
        if pause:
            sleep(pause)
    logger.info("copyright record purge for %s finished: %d records deleted", when, total)
    return total


def _purge_batch(when: PurgeTime, batch_size: int) -> int:
    with transaction.atomic():
        # Rows are locked as they are chosen, so staff setting a legal hold at this moment wait
        # for the batch instead of having their hold silently deleted (SQLite ignores the lock:
        # its IMMEDIATE transaction already excludes every other writer).
        due = Record.objects.due_for_purge(when).select_for_update(skip_locked=True)
        # Ordered by purge time, which the record_purge_at index returns without sorting: in
        # table order PostgreSQL chose a sequential scan that stepped over every record not yet
        # due (most of the table) again for each batch. Never sort by anything else: most due
        # rows share one purge date, and sorting them all for every batch is quadratic.
        batch = due.order_by("purge_at").values_list("pk", flat=True)[:batch_size]
        deleted, files = _delete_batch(batch)
        if files:
            transaction.on_commit(partial(_delete_files, files))
    return deleted


def _delete_batch(batch: QuerySet) -> tuple[int, list[StoredFile]]:
    """Delete the batch's records and what points at them; return how many records went and
    the files their rows stored."""
    if connection.vendor == "postgresql":
        return _delete_in_one_statement(batch)
    return _delete_table_by_table(list(batch))


def _parent(table: PurgedTable) -> int:
    """The position in PURGED_TABLES of the table the given one points at."""
    assert table.via is not None
    return [listed.model for listed in PURGED_TABLES].index(table.via.related_model)


# --- PostgreSQL: the whole batch in one statement -------------------------------------------
# A statement per table cost a round trip each and sent the batch's ids with every one: about a
# fifth of the speed (docs/performance.md, "The purge after the explicit table list").


def _delete_in_one_statement(batch: QuerySet) -> tuple[int, list[StoredFile]]:
    """One round trip: the due ids are chosen and locked in `due` and never leave the server;
    each table's DELETE reads the keys its parent's DELETE returned. Nothing is loaded into
    Python but the count and the names of stored files."""
    due_sql, params = batch.query.sql_with_params()
    statement, file_fields, loose_params = _chain_sql(due_sql)
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *loose_params])
        deleted, *names = cursor.fetchone() or (0,)
    files = [
        (field, name) for field, found in zip(file_fields, names, strict=True) for name in found
    ]
    return int(deleted), files


def _chain_sql(due_sql: str) -> tuple[sql.Composed, list[FileField], list[Param]]:
    """WITH due AS (the batch), step0 AS (DELETE the records RETURNING their keys), stepN AS
    (DELETE the rows of PURGED_TABLES[N] pointing at what its parent's step returned), then the
    admin history and the loose references of each step's rows. Every part of one statement
    sees the same snapshot, so none misses a row another deletes, and the foreign keys (which
    Django declares deferred) are checked at the batch's commit, so the order of the parts,
    written parents first as each reads its parent's keys, does not matter; the statement
    deletes everything or nothing."""
    returned: list[set[str]] = [{str(table.model._meta.pk.column)} for table in PURGED_TABLES]
    for table in PURGED_TABLES[1:]:
        assert table.via is not None
        returned[_parent(table)].add(str(table.via.target_field.column))
    files = [(n, field) for n, table in enumerate(PURGED_TABLES) for field in _file_fields(table)]
    for n, field in files:
        returned[n].add(str(field.column))
    steps = [
        sql.SQL("{} AS ({})").format(_step(n), _step_sql(table, returned[n]))
        for n, table in enumerate(PURGED_TABLES)
    ]
    steps += [
        sql.SQL("{} AS ({})").format(sql.Identifier(f"log{n}"), _log_entries_sql(table, n))
        for n, table in enumerate(PURGED_TABLES)
    ]
    loose_params: list[Param] = []
    for n, table in enumerate(PURGED_TABLES):
        for m, (rows, column) in enumerate(loose_references(table)):
            delete, params = _loose_sql(rows, column, table, n)
            steps.append(sql.SQL("{} AS ({})").format(sql.Identifier(f"loose{n}_{m}"), delete))
            loose_params.extend(params)
    results = [sql.SQL("(SELECT count(*) FROM {})").format(_step(0))] + [
        sql.SQL("ARRAY(SELECT {column} FROM {step} WHERE {column} <> '')").format(
            column=sql.Identifier(str(field.column)), step=_step(n)
        )
        for n, field in files
    ]
    statement = sql.SQL("WITH due (pk) AS MATERIALIZED ({}), {} SELECT {}").format(
        sql.SQL(due_sql), sql.SQL(", ").join(steps), sql.SQL(", ").join(results)
    )
    return statement, [field for _, field in files], loose_params


def _step(position: int) -> sql.Identifier:
    return sql.Identifier(f"step{position}")


def _step_sql(table: PurgedTable, returning: set[str]) -> sql.Composed:
    keys: sql.Composable
    if table.via is None:
        column, keys = table.model._meta.pk.column, sql.SQL("SELECT pk FROM due")
    else:
        parent_key = sql.Identifier(str(table.via.target_field.column))
        column = table.via.column
        keys = sql.SQL("SELECT {} FROM {}").format(parent_key, _step(_parent(table)))
    return sql.SQL("DELETE FROM {} WHERE {} IN ({}) RETURNING {}").format(
        sql.Identifier(table.model._meta.db_table),
        sql.Identifier(str(column)),
        keys,
        sql.SQL(", ").join(sql.Identifier(name) for name in sorted(returning)),
    )


def _log_entries_sql(table: PurgedTable, position: int) -> sql.Composed:
    """The admin history entries of the rows the step at `position` deleted. One DELETE per
    table, by its content type: a type with no entries costs an index lookup, where one DELETE
    for all the tables had to hash the keys of every deleted row."""
    return sql.SQL(
        "DELETE FROM {log} WHERE content_type_id = {type_id} AND object_id IN "
        "(SELECT {pk}::text FROM {step})"
    ).format(
        log=sql.Identifier(LogEntry._meta.db_table),
        type_id=sql.Literal(ContentType.objects.get_for_model(table.model).pk),
        pk=sql.Identifier(str(table.model._meta.pk.column)),
        step=_step(position),
    )


def _loose_sql(
    rows: QuerySet, column: str, parent: PurgedTable, position: int
) -> tuple[sql.SQL, tuple[Param, ...]]:
    """Delete the rows of `rows` whose `column` names a row the step at `position` deleted: the
    ORM's own DELETE of those rows, filtered by the keys that step returned (an index lookup
    where `column` has one, not a join of the whole table with itself)."""
    quote = connection.ops.quote_name
    # Only quoted names of the models' own columns and of this statement's steps: no input.
    step = quote(f"step{position}")
    keys = f"SELECT {quote(str(parent.model._meta.pk.column))} FROM {step}"  # nosec B608
    named = rows.filter(**{f"{column}__in": RawSQL(keys, ())})  # nosec B611
    statement, params = named.query.chain(DeleteQuery).get_compiler(connection.alias).as_sql()
    return sql.SQL(statement), tuple(params)


# --- Other databases (SQLite): one ORM statement per table -----------------------------------


def _delete_table_by_table(ids: list[int]) -> tuple[int, list[StoredFile]]:
    """Delete the records `ids` and what points at them, one statement per table, children
    before their parents; return how many records went and the files their rows stored."""
    if not ids:
        return 0, []
    files = [
        (field, name)
        for table in PURGED_TABLES
        for field in _file_fields(table)
        for name in _rows(table, ids).values_list(field.attname, flat=True)
        if name
    ]
    for table in PURGED_TABLES:
        _log_entries(table, ids).delete()
        for rows, column in loose_references(table):
            named = rows.filter(**{f"{column}__in": _rows(table, ids).values("pk")})
            named._raw_delete(named.db)
    for table in reversed(PURGED_TABLES[1:]):
        rows = _rows(table, ids)
        rows._raw_delete(rows.db)
    records = _rows(PURGED_TABLES[0], ids)
    return records._raw_delete(records.db), files


def loose_references(table: PurgedTable) -> list[LooseReference]:
    """The rows naming the table's rows by id without a foreign key (the model's
    `purged_with()`), deleted with them."""
    hook: Callable[[], list[LooseReference]] | None = getattr(table.model, "purged_with", None)
    return hook() if hook is not None else []


def _file_fields(table: PurgedTable) -> list[FileField]:
    return [f for f in table.model._meta.concrete_fields if isinstance(f, FileField)]


def _delete_files(files: list[StoredFile]) -> None:
    """After commit: the rows are gone for good, so the files they stored go too (Django never
    deletes a FileField's file with its row)."""
    failed = 0
    for field, name in files:
        try:
            field.storage.delete(name)
        except OSError:
            failed += 1
    if failed:
        logger.warning("copyright record purge: %d stored files could not be deleted", failed)


def _rows(table: PurgedTable, ids: list[int]) -> QuerySet:
    return table.model._base_manager.filter(**{f"{table.lookup}__in": ids})


def _log_entries(table: PurgedTable, ids: list[int]) -> QuerySet:
    keys = _rows(table, ids).annotate(key=Cast("pk", CharField())).values("key")
    content_type = ContentType.objects.get_for_model(table.model)
    return LogEntry.objects.filter(content_type=content_type, object_id__in=keys)
