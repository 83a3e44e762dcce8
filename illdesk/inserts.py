"""New rows that point to each other, written in one INSERT statement on PostgreSQL.

A copy submission writes a record, the identifiers it cites and its decision, then its request
and the email's outbox row: each row after the first points to one written before it, so the ORM
needs one round trip per row to learn the ids. On PostgreSQL `insert_together` writes them in one
statement: each row is a data-modifying WITH query whose RETURNING id the rows after it read, and
the final SELECT returns every id (docs/performance.md, "What was changed to reach them"). On
SQLite, which has no data-modifying WITH queries, each run of rows of one model is one
`bulk_create`, in turn.

Like `QuerySet.bulk_create`, it sends no model signals and calls no `save()`: use it only for
models with neither receivers nor `save()` logic beyond refusing updates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignKey, Model
from django.db.models.expressions import Expression
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLCompiler

# The name of the WITH query that inserts the row at an index.
_ROW = "new_row_{}"


@dataclass(frozen=True)
class New:
    """A new row. A foreign key set to an earlier row's unsaved instance takes its id by itself;
    `ids` names other columns (by attribute name) that take the id of an earlier row."""

    instance: Model
    ids: Mapping[str, Model] = field(default_factory=dict)


def insert_together(*rows: Model | New) -> None:
    """Insert the new rows in order, each column that points to an earlier row taking its id,
    and set every instance's primary key. Call inside a transaction."""
    news = [row if isinstance(row, New) else New(row) for row in rows]
    links = [_links(new, news[:index]) for index, new in enumerate(news)]
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        _insert_in_turn(news, links)
        return
    ids = _insert_with_query(news, links, connection)
    for new, pointing, pk in zip(news, links, ids, strict=True):
        new.instance.pk = pk
        new.instance._state.adding = False
        new.instance._state.db = connection.alias
        _point(new, pointing, news)


def _insert_in_turn(news: list[New], links: list[dict[str, int]]) -> None:
    """One bulk_create for each run of rows of one model, in order."""
    for model, run in groupby(zip(news, links, strict=True), lambda pair: type(pair[0].instance)):
        rows = list(run)
        for new, pointing in rows:
            _point(new, pointing, news)
        model._default_manager.bulk_create([new.instance for new, _ in rows])


def _point(new: New, pointing: dict[str, int], news: list[New]) -> None:
    for name, at in pointing.items():
        setattr(new.instance, name, news[at].instance.pk)


def _links(new: New, earlier: list[New]) -> dict[str, int]:
    """Attribute name -> position of the earlier row whose id the column takes."""
    position = {id(each.instance): index for index, each in enumerate(earlier)}
    wanted = dict(new.ids)
    for each in new.instance._meta.concrete_fields:
        if isinstance(each, ForeignKey) and getattr(new.instance, each.attname) is None:
            related = each.get_cached_value(new.instance, default=None)
            if related is not None and related.pk is None:
                wanted[each.attname] = related
    unknown = [name for name, target in wanted.items() if id(target) not in position]
    if unknown:  # as Model.save() refuses an unsaved related object
        raise ValueError(f"{', '.join(unknown)}: points to a row that is neither saved nor earlier")
    return {name: position[id(target)] for name, target in wanted.items()}


def _insert_with_query(
    news: list[New], links: list[dict[str, int]], connection: BaseDatabaseWrapper
) -> tuple[int, ...]:
    parts, params = [], []
    for index, (new, pointing) in enumerate(zip(news, links, strict=True)):
        sql, values = _insert_sql(new.instance, pointing, connection)
        parts.append(f"{_ROW.format(index)} AS ({sql})")
        params.extend(values)
    # Each WITH query returns one id: their cross product is the one row of all of them. The
    # statement is put together from Django's compiled INSERTs; every value is a parameter.
    names = ", ".join(_ROW.format(index) for index in range(len(news)))
    statement = " ".join(["WITH", ", ".join(parts), "SELECT * FROM", names])
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchone()
    if found is None:
        raise RuntimeError("the INSERT returned no ids")
    return tuple(found)


class _IdOfRow(Expression):
    """The id the WITH query of an earlier row returns, as a column's value."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        return " ".join(["(SELECT * FROM", _ROW.format(self.index), ")"]), ()


# The INSERT of each kind of row, compiled by Django once: (model, pointing columns, whether
# the primary key is given) -> SQL. The values change, the statement does not.
_COMPILED: dict[tuple[type[Model], tuple[tuple[str, int], ...], bool], str] = {}


def _insert_sql(
    instance: Model, pointing: dict[str, int], connection: BaseDatabaseWrapper
) -> tuple[str, list[Any]]:
    """The INSERT `Model.save()` would run for the new instance, returning its primary key; the
    pointing columns read the ids of earlier rows. Its columns are those `save()` writes: all
    but the generated ones, and the primary key only when it is given."""
    meta = instance._meta
    fields = [
        each
        for each in meta.local_concrete_fields
        if not each.generated and (each is not meta.auto_field or instance.pk is not None)
    ]
    key = (type(instance), tuple(sorted(pointing.items())), instance.pk is not None)
    if key not in _COMPILED:
        _COMPILED[key] = _compile(instance, fields, pointing, connection)
    values = []
    for each in fields:
        if each.attname not in pointing:
            value = each.pre_save(instance, add=True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{each.attname}: insert_together writes plain values only")
            values.append(each.get_db_prep_save(value, connection))
    return _COMPILED[key], values


def _compile(
    instance: Model,
    fields: list[Field[Any, Any]],
    pointing: dict[str, int],
    connection: BaseDatabaseWrapper,
) -> str:
    kept = {name: getattr(instance, name) for name in pointing}
    for name, at in pointing.items():
        setattr(instance, name, _IdOfRow(at))
    query = InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [instance._meta.pk]
    [(sql, _)] = compiler.as_sql()
    for name, value in kept.items():
        setattr(instance, name, value)
    return sql
