"""Guideline 4 retention: records are kept through 31 Dec (Y + 3) and purged from 1 Jan (Y + 4).

The purge deletes only what docs/copyright.md section 7 allows (due, final, no unpaid fee, no legal
hold), in batches of their own transactions so the table is never locked for long and an
interrupted run, started again, finishes the job. A batch deletes set-wise, one statement per
table, children first. The tables that depend on a record are read from the models
(`purge_plan`), so a model added later is purged with its record, or the purge refuses to run
until someone decides what happens to its rows. The admin's change history (`LogEntry`) names
objects in `object_repr` (a request's title), so the entries about every purged row go with it.
A model whose rows are named by id without a foreign key (the email outbox names a request by
`target_id`) says so with a `purged_with()` class method, and those rows go too.

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
from datetime import date, datetime, time
from functools import partial
from time import sleep
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import CharField, FileField, ForeignKey, ForeignObjectRel, Model, QuerySet
from django.db.models.functions import Cast
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


@dataclass(frozen=True)
class PurgedTable:
    """A table the purge writes to: the record's own, or one whose rows point at a purged row."""

    model: type[Model]
    via: ForeignKey | None = None  # the column pointing at the parent row; None for the record
    parent: int = 0  # the parent's position in the plan
    lookup: str = "pk"  # the ORM path from this table to the record's primary key


def copyright_today() -> date:
    """Today in COPYRIGHT_TIME_ZONE, the zone that dates new requests."""
    return timezone.localdate(timezone=ZoneInfo(settings.COPYRIGHT_TIME_ZONE))


def start_of_day(day: date, zone_name: str) -> datetime:
    """The first moment of `day` in the zone `zone_name`: when a purge date stored with that
    zone arrives (ruling 10)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone_name))


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
    plan = purge_plan()  # once per run: it raises before anything is deleted
    total = 0
    while deleted := _purge_batch(when, batch_size, plan):
        total += deleted
        logger.info("copyright record purge: %d deleted so far", total)
        if pause:
            sleep(pause)
    logger.info("copyright record purge for %s finished: %d records deleted", when, total)
    return total


def _purge_batch(when: PurgeTime, batch_size: int, plan: list[PurgedTable]) -> int:
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
        deleted, files = _delete_batch(batch, plan)
        if files:
            transaction.on_commit(partial(_delete_files, files))
    return deleted


def _delete_batch(batch: QuerySet, plan: list[PurgedTable]) -> tuple[int, list[StoredFile]]:
    """Delete the batch's records and what points at them; return how many records went and
    the files their rows stored."""
    if connection.vendor == "postgresql":
        return _delete_in_one_statement(batch, plan)
    return _delete_table_by_table(list(batch), plan)


# --- What a record takes with it ------------------------------------------------------------


def purge_plan() -> list[PurgedTable]:
    """The record's table, then every table whose rows point at it, directly or through another
    one, each after its parent. Only CASCADE relations are followed; any other (SET_NULL,
    PROTECT, RESTRICT, DO_NOTHING, SET_DEFAULT, SET()) raises ImproperlyConfigured: none exists
    today, and what becomes of such rows when their record goes is for a person to decide."""
    plan = [PurgedTable(Record)]
    _add_dependants(plan, 0, seen=(Record,))
    return plan


def _add_dependants(plan: list[PurgedTable], parent: int, *, seen: tuple[type[Model], ...]) -> None:
    prefix = "" if parent == 0 else f"__{plan[parent].lookup}"
    for relation in relations_to(plan[parent].model):
        field, model = relation.field, relation.related_model
        follows = relation.on_delete is models.CASCADE and model not in seen
        if not (isinstance(field, ForeignKey) and follows):
            raise ImproperlyConfigured(_cannot_follow(relation))
        plan.append(PurgedTable(model, field, parent, f"{field.name}{prefix}"))
        _add_dependants(plan, len(plan) - 1, seen=(*seen, model))


def relations_to(model: type[Model]) -> list[ForeignObjectRel]:
    """Every relation whose rows point at `model`, as Django's own deletion collector finds
    them: hidden ones too (related_name="+", a many-to-many table's link to `model`)."""
    fields = model._meta.get_fields(include_hidden=True)
    return [f for f in fields if isinstance(f, ForeignObjectRel) and not f.many_to_many]


def _cannot_follow(relation: ForeignObjectRel) -> str:
    on_delete = getattr(relation.on_delete, "__name__", repr(relation.on_delete))
    return (
        f"the copyright record purge cannot follow {relation.field.model._meta.label}."
        f"{relation.field.name} (on_delete={on_delete}, or a cycle): decide what happens to "
        "those rows when their record is purged, and teach copyright_rules.retention"
    )


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


# --- PostgreSQL: the whole batch in one statement -------------------------------------------


def _delete_in_one_statement(
    batch: QuerySet, plan: list[PurgedTable]
) -> tuple[int, list[StoredFile]]:
    """One round trip: the due ids are chosen and locked in `due` and never leave the server;
    each table's DELETE reads the keys its parent's DELETE returned. Nothing is loaded into
    Python but the count and the names of stored files."""
    due_sql, params = batch.query.sql_with_params()
    statement, file_fields, loose_params = _chain_sql(plan, due_sql)
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *loose_params])
        deleted, *names = cursor.fetchone() or (0,)
    files = [
        (field, name) for field, found in zip(file_fields, names, strict=True) for name in found
    ]
    return int(deleted), files


def _chain_sql(
    plan: list[PurgedTable], due_sql: str
) -> tuple[sql.Composed, list[FileField], list[Any]]:
    returned: list[set[str]] = [{str(Record._meta.pk.column)}, *(set() for _ in plan[1:])]
    for table in plan:
        if table.via is not None:
            returned[table.parent].add(str(table.via.target_field.column))
    files = [(n, field) for n, table in enumerate(plan) for field in _file_fields(table)]
    for n, field in files:
        returned[n].add(str(field.column))
    for n, table in enumerate(plan):
        returned[n].add(str(table.model._meta.pk.column))
    steps = [
        sql.SQL("{} AS ({})").format(_step(n), _step_sql(table, returned[n]))
        for n, table in enumerate(plan)
    ] + [
        sql.SQL("{} AS ({})").format(_log_step(n), _log_entries_sql(table, n))
        for n, table in enumerate(plan)
    ]
    loose_params: list[Any] = []
    for n, table in enumerate(plan):
        for m, (rows, column) in enumerate(loose_references(table)):
            statement, params = _loose_sql(rows, column, table, n)
            steps.append(sql.SQL("{} AS ({})").format(sql.Identifier(f"loose{n}_{m}"), statement))
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


def _loose_sql(
    rows: QuerySet, column: str, parent: PurgedTable, position: int
) -> tuple[sql.Composed, tuple[object, ...]]:
    """Delete the rows of `rows` whose `column` names a row the step at `position` deleted."""
    chosen, params = rows.order_by().values("pk").query.sql_with_params()
    model = rows.model
    statement = sql.SQL(
        "DELETE FROM {table} WHERE {pk} IN ({chosen}) AND {column} IN "
        "(SELECT {parent_pk} FROM {step})"
    ).format(
        table=sql.Identifier(model._meta.db_table),
        pk=sql.Identifier(str(model._meta.pk.column)),
        chosen=sql.SQL(chosen),
        column=sql.Identifier(str(model._meta.get_field(column).column)),
        parent_pk=sql.Identifier(str(parent.model._meta.pk.column)),
        step=_step(position),
    )
    return statement, params


def _step_sql(table: PurgedTable, returning: set[str]) -> sql.Composed:
    parent_keys: sql.Composable = sql.SQL("SELECT pk FROM due")
    column = table.model._meta.pk.column
    if table.via is not None:
        column, parent_keys = table.via.column, _keys_of(table.via, table.parent)
    delete = sql.SQL("DELETE FROM {} WHERE {} IN ({})").format(
        sql.Identifier(table.model._meta.db_table), sql.Identifier(str(column)), parent_keys
    )
    if not returning:
        return delete
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in sorted(returning))
    return sql.SQL("{} RETURNING {}").format(delete, columns)


def _keys_of(via: ForeignKey, parent: int) -> sql.Composed:
    """The keys the parent step's DELETE returned, which `via` points at."""
    key = sql.Identifier(str(via.target_field.column))
    return sql.SQL("SELECT {} FROM {}").format(key, _step(parent))


def _step(position: int) -> sql.Identifier:
    return sql.Identifier(f"step{position}")


def _log_step(position: int) -> sql.Identifier:
    return sql.Identifier(f"log{position}")


def _log_entries_sql(table: PurgedTable, position: int) -> sql.Composed:
    """The admin history entries of the rows the step at `position` deleted."""
    return sql.SQL(
        "DELETE FROM {log} WHERE {content_type} = {type_id} AND {object_id} IN "
        "(SELECT {pk}::text FROM {step})"
    ).format(
        log=sql.Identifier(LogEntry._meta.db_table),
        content_type=sql.Identifier("content_type_id"),
        type_id=sql.Literal(ContentType.objects.get_for_model(table.model).pk),
        object_id=sql.Identifier("object_id"),
        pk=sql.Identifier(str(table.model._meta.pk.column)),
        step=_step(position),
    )


# --- Other databases (SQLite): one ORM statement per table -----------------------------------


def _delete_table_by_table(ids: list[int], plan: list[PurgedTable]) -> tuple[int, list[StoredFile]]:
    files = [
        (field, name)
        for table in plan
        for field in _file_fields(table)
        for name in _rows(table, ids).values_list(field.attname, flat=True)
        if name
    ]
    for table in plan:
        _log_entries(table, ids).delete()
        for rows, column in loose_references(table):
            named = rows.filter(**{f"{column}__in": _rows(table, ids).values("pk")})
            named._raw_delete(named.db)
    for table in reversed(plan[1:]):  # children before their parents
        rows = _rows(table, ids)
        rows._raw_delete(rows.db)
    records = _rows(plan[0], ids)
    return records._raw_delete(records.db), files


def _rows(table: PurgedTable, ids: list[int]) -> QuerySet:
    return table.model._base_manager.filter(**{f"{table.lookup}__in": ids})


def _log_entries(table: PurgedTable, ids: list[int]) -> QuerySet:
    keys = _rows(table, ids).annotate(key=Cast("pk", CharField())).values("key")
    content_type = ContentType.objects.get_for_model(table.model)
    return LogEntry.objects.filter(content_type=content_type, object_id__in=keys)
