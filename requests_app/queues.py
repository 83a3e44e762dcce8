"""The desk's queues: which requests each holds, filters, sorting and keyset pages (docs/desk.md,
"Queues").

No page counts a whole queue: the tabs count up to `COUNT_CAP` rows each, and a page is the next
`PAGE_SIZE` rows after the last one shown (keyset on the sort column and the request number), so
page 1,000 of the finished queue costs what page 1 costs."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from requests_app.models import (
    LOAN_OUT,
    RENEWAL_PENDING,
    STATUS_ROWS,
    Request,
    RequestQuerySet,
    Service,
    Status,
)

PAGE_SIZE = 50
COUNT_CAP = 999


class Sort(enum.Enum):
    """The orders a queue can be read in: the sort column and its direction."""

    OLDEST = ("oldest", "Oldest first", "created_at", False)
    NEWEST = ("newest", "Newest first", "created_at", True)
    NEED_BY = ("need_by", "Need-by date, soonest first", "need_by", False)
    DUE = ("due", "Due date, soonest first", "due_date", False)
    RENEWAL = ("renewal", "Renewal asked for, oldest first", "renewal_requested_at", False)

    def __init__(self, slug: str, label: str, column: str, descending: bool) -> None:
        self.slug, self.label, self.column, self.descending = slug, label, column, descending

    @classmethod
    def of(cls, slug: str) -> Sort:
        return next(sort for sort in cls if sort.slug == slug)


class Claimed(enum.Enum):
    ANYONE = ("", "Anyone or nobody")
    ME = ("me", "Claimed by me")
    NOBODY = ("nobody", "Unclaimed")

    def __init__(self, slug: str, label: str) -> None:
        self.slug, self.label = slug, label


_OPEN_SORTS = (Sort.OLDEST, Sort.NEWEST, Sort.NEED_BY, Sort.DUE)


@dataclass(frozen=True)
class Queue:
    """One tab of the desk: the requests it holds and the orders it can be read in, its default
    first."""

    label: str
    statuses: tuple[Status, ...]
    kinds: tuple[Service, ...] = (Service.LOAN, Service.COPY)
    sorts: tuple[Sort, ...] = _OPEN_SORTS
    # A further condition on the rows, where the status alone does not decide.
    condition: Q = field(default_factory=Q)
    # Its rows can be selected for batch work (claim, pull slips, the batch actions that fit).
    batch_work: bool = True
    # Its tab shows how many requests it holds. The queues of work done (copies delivered,
    # finished requests) grow with the table: counting even their first 1,000 rows would make
    # the desk slower as the office grows, and "999+" tells staff nothing (docs/performance.md).
    counted: bool = True

    def rows(self) -> QuerySet[Request]:
        return Request.objects.filter(status__in=self.statuses).filter(self.condition)

    @property
    def default_sort(self) -> Sort:
        return self.sorts[0]


def _queue(
    label: str,
    slug: str,
    *,
    sorts: tuple[Sort, ...] = _OPEN_SORTS,
    batch_work: bool = True,
    counted: bool = True,
) -> Queue:
    """The queue of the statuses whose row in the status table names it, for the request types
    those statuses occur in."""
    rows = [row for row in STATUS_ROWS.values() if row.queue == slug]
    kinds = tuple(kind for kind in Service if any(kind in row.services for row in rows))
    statuses = tuple(row.status for row in rows)
    return Queue(label, statuses, kinds, sorts, batch_work=batch_work, counted=counted)


QUEUES: dict[str, Queue] = {
    "new": _queue("New", "new"),
    "clearance": _queue("Awaiting copyright clearance", "clearance"),
    "in_process": _queue("In process", "in_process"),
    "conditional": _queue("Conditional or quoted (waiting for the institution)", "conditional"),
    "delivered": _queue("Delivered", "delivered", counted=False),
    "on_loan": _queue("On loan", "on_loan"),
    "overdue": _queue("Overdue", "overdue"),
    # Loans whose library asked for a renewal not yet answered, the longest waiting first: the
    # partial index `request_renewal_pending` holds exactly these rows, in this order.
    "renewals": Queue(
        "Renewal requests",
        LOAN_OUT,
        (Service.LOAN,),
        (Sort.RENEWAL, Sort.DUE, Sort.OLDEST, Sort.NEWEST),
        RENEWAL_PENDING,
    ),
    # Work that is done: newest first unless the user sorts it otherwise.
    "finished": _queue(
        "Finished",
        "finished",
        sorts=(Sort.NEWEST, Sort.OLDEST, Sort.NEED_BY, Sort.DUE),
        batch_work=False,
        counted=False,
    ),
}


@dataclass(frozen=True)
class Page:
    rows: list[Request]
    next_after: int | None  # the request number to continue after, if more rows follow


def bounded_counts(slugs: Iterable[str] = tuple(QUEUES)) -> list[tuple[str, str, int | None]]:
    """(slug, label, count) per queue, each count stopping at COUNT_CAP + 1; None for a queue
    that is not counted."""
    return [
        (slug, QUEUES[slug].label, _bounded_count(QUEUES[slug]) if QUEUES[slug].counted else None)
        for slug in slugs
    ]


def _bounded_count(queue: Queue) -> int:
    return queue.rows()[: COUNT_CAP + 1].count()


def filtered(
    rows: QuerySet[Request], data: dict[str, Any], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[Request]:
    """Apply the desk filter form's cleaned data."""
    if data.get("service"):
        rows = cast(RequestQuerySet, rows).of_type(data["service"])
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("institution"):
        rows = rows.filter(institution__oclc_symbol__iexact=data["institution"])
    if data.get("claimed") == Claimed.ME.slug:
        rows = rows.filter(claimed_by=user.pk)
    elif data.get("claimed") == Claimed.NOBODY.slug:
        rows = rows.filter(claimed_by__isnull=True)
    if data.get("older_than"):
        since = timezone.now() - timedelta(days=int(data["older_than"]))
        rows = rows.filter(created_at__lte=since)
    if data.get("need_by"):
        rows = rows.filter(need_by__lte=data["need_by"])
    if data.get("outcome"):
        rows = rows.filter(record__outcome=data["outcome"])
    return rows


def page_of(
    rows: QuerySet[Request],
    sort: Sort,
    *,
    after: int | None,
    statuses: tuple[Status, ...] = (),
) -> Page:
    """The PAGE_SIZE rows after request `after` in `sort` order (rows without a value for the
    sort column come last, by request number). `statuses`: those the rows may have; a page of
    several, in date order, is merged from each status's own first rows."""
    rows = _ordered(rows, sort)
    if after is not None:
        rows = _after(rows, sort, after)
    if sort.column == "created_at" and len(statuses) > 1:
        found = _merged(rows, sort, statuses)
    else:
        found = list(rows[: PAGE_SIZE + 1])
    more = len(found) > PAGE_SIZE
    return Page(found[:PAGE_SIZE], found[PAGE_SIZE - 1].pk if more else None)


def _merged(rows: QuerySet[Request], sort: Sort, statuses: tuple[Status, ...]) -> list[Request]:
    """The first PAGE_SIZE + 1 rows of several statuses in date order, read as each status's
    first PAGE_SIZE + 1 rows from the (status, created_at) index, merged here. One query over
    all the statuses (status IN ... ORDER BY created_at) leaves PostgreSQL two plans whose costs
    depend on the table's size and statistics: walking the created_at index until enough rows
    of those statuses come by (long when they are rare) or sorting every row of the statuses
    (long when they are many); docs/performance.md, "The queue page as the office grows"."""
    heads: list[tuple[datetime, int]] = []
    for status in statuses:
        heads += rows.filter(status=status).values_list("created_at", "pk")[: PAGE_SIZE + 1]
    chosen = [pk for _, pk in sorted(heads, reverse=sort.descending)[: PAGE_SIZE + 1]]
    found = rows.in_bulk(chosen)
    return [found[pk] for pk in chosen if pk in found]


def _ordered(rows: QuerySet[Request], sort: Sort) -> QuerySet[Request]:
    if sort.column == "created_at":
        # Never empty: a plain order, which the (status, created_at) index reads either way.
        return rows.order_by(*(("-created_at", "-pk") if sort.descending else ("created_at", "pk")))
    column = F(sort.column)
    first = column.desc(nulls_last=True) if sort.descending else column.asc(nulls_last=True)
    return rows.order_by(first, "-pk" if sort.descending else "pk")


def _after(rows: QuerySet[Request], sort: Sort, after: int) -> QuerySet[Request]:
    anchor = Request.objects.filter(pk=after).values_list(sort.column, flat=True).first()
    later, pk_later = ("lt", "lt") if sort.descending else ("gt", "gt")
    if anchor is None:
        # The anchor sorts among the rows without a value, which come last by request number.
        return rows.filter(**{f"{sort.column}__isnull": True, f"pk__{pk_later}": after})
    same = Q(**{sort.column: anchor, f"pk__{pk_later}": after})
    beyond = Q(**{f"{sort.column}__{later}": anchor}) | Q(**{f"{sort.column}__isnull": True})
    return rows.filter(same | beyond)


AGES = (2, 7, 14, 30)  # "older than" choices, in days
