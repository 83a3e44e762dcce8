"""The workflow statuses of a request, and the one table of what each means (docs/desk.md,
"The status table").

Every subset and mapping of statuses the product uses is derived from `STATUS_ROWS`: the model's
choices and constraints, the portal's "cancel", the desk's queues and the statuses its actions
start from, the statistics' groups, the copyright record's counting status and the status an
ISO 18626 partner is told. Adding a status is one member of `Status` and one row here;
`tests/requests_app/test_status_table.py` checks that no module lists statuses by hand."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from copyright_rules.facts import Outcome
from copyright_rules.vocabulary import Status as RecordStatus
from requests_app.models.choices import Service


class Status(models.TextChoices):
    NEW = "new", "New"
    AWAITING_CLEARANCE = "awaiting_clearance", "Held for copyright permission"
    IN_PROCESS = "in_process", "In process"
    CONDITIONAL = "conditional", "Conditional reply: waiting for you"
    QUOTED = "quoted", "Price quote: waiting for your approval"
    DELIVERED = "delivered", "Copy delivered"
    ON_LOAN = "on_loan", "On loan"
    OVERDUE = "overdue", "On loan, overdue"
    RETURNED = "returned", "Returned"
    LOST = "lost", "Lost"
    REFUSED = "refused", "Refused"
    CANCELLED = "cancelled", "Cancelled"


class IsoStatus(StrEnum):
    """supplyingAgencyMessage/statusInfo/status: the ISO 18626 statuses a partner is told. The
    protocol code lives in requests_app/iso18626; the vocabulary is here, beside the table."""

    REQUEST_RECEIVED = "RequestReceived"
    EXPECT_TO_SUPPLY = "ExpectToSupply"
    WILL_SUPPLY = "WillSupply"
    LOANED = "Loaned"
    OVERDUE = "Overdue"
    RECALLED = "Recalled"
    UNFILLED = "Unfilled"
    COPY_COMPLETED = "CopyCompleted"
    LOAN_COMPLETED = "LoanCompleted"
    COMPLETED_WITHOUT_RETURN = "CompletedWithoutReturn"
    CANCELLED = "Cancelled"


@dataclass(frozen=True)
class PartnerStatus:
    """What an ISO 18626 partner is told when its request reaches a status (docs/iso18626.md,
    "Status mapping"): the ISO status, and a note that goes with it."""

    iso: IsoStatus
    note: str = ""


class Ask(enum.Enum):
    """What the office waits for from the library while a request is in a status."""

    PERMISSION = "permission"  # held for copyright: a permission, or another way out
    CONDITIONS = "conditions"  # to accept or decline the office's conditions
    QUOTE = "quote"  # to approve or decline the price quote


_BOTH = (Service.LOAN, Service.COPY)
_LOANS, _COPIES = (Service.LOAN,), (Service.COPY,)


@dataclass(frozen=True)
class StatusRow:
    """One status and what it means, for every part of the product."""

    status: Status
    queue: str  # the desk queue it shows in (requests_app/queues.py QUEUES)
    services: tuple[Service, ...]  # the services a request in it can be
    record: RecordStatus  # the copyright record's counting status (docs/copyright.md section 1)
    partner: PartnerStatus
    # The copyright outcomes that lead here on submission or re-evaluation.
    outcomes: tuple[Outcome, ...] = ()
    staff_label: str = ""  # how staff pages name it, where the label speaks to the library
    to_review: bool = False  # as submitted, not yet taken on: staff accept it from here
    open: bool = False  # work remains: the library's open requests; staff may note a holding
    supplied: bool = False  # the item went out: a cancel can no longer stop it; fill rate
    finished: bool = False  # nothing is fetched, claimed or wrapped for it any more
    loan_out: bool = False  # a loan at the library, due back on its due date
    overdue: bool = False  # a loan out past its due date
    suppliable: bool = False  # staff may fill, ship, quote or reply conditionally
    library_may_cancel: bool = False  # from the portal, or by an ISO 18626 Cancel
    asks: Ask | None = None

    @property
    def label(self) -> str:
        return self.status.label

    @property
    def for_staff(self) -> str:
        return self.staff_label or self.status.label

    @property
    def held(self) -> bool:
        """Held for copyright clearance."""
        return self.asks is Ask.PERMISSION

    @property
    def asks_conditions(self) -> bool:
        return self.asks is Ask.CONDITIONS

    @property
    def asks_quote(self) -> bool:
        return self.asks is Ask.QUOTE

    @property
    def offered(self) -> bool:
        """Conditions or a price quote wait for the library's answer (from the portal, or by
        ISO 18626)."""
        return self.asks in (Ask.CONDITIONS, Ask.QUOTE)

    @property
    def ended_unsupplied(self) -> bool:
        """Refused or cancelled: what a partner's Cancel asks for; unfilled in the fill rate."""
        return self.finished and not self.supplied


_ROWS = (
    StatusRow(
        Status.NEW,
        "new",
        _BOTH,
        RecordStatus.ACCEPTED,
        PartnerStatus(IsoStatus.EXPECT_TO_SUPPLY),
        outcomes=(Outcome.ACCEPT_CCG, Outcome.ACCEPT_CCL, Outcome.NOT_APPLICABLE),
        to_review=True,
        open=True,
        suppliable=True,
        library_may_cancel=True,
    ),
    StatusRow(
        Status.AWAITING_CLEARANCE,
        "clearance",
        _COPIES,
        RecordStatus.AWAITING_CLEARANCE,
        PartnerStatus(IsoStatus.EXPECT_TO_SUPPLY, "Held for copyright permission (rule of five)."),
        outcomes=(Outcome.NEEDS_PERMISSION,),
        open=True,
        library_may_cancel=True,
        asks=Ask.PERMISSION,
    ),
    StatusRow(
        Status.IN_PROCESS,
        "in_process",
        _BOTH,
        RecordStatus.IN_PROCESS,
        PartnerStatus(IsoStatus.WILL_SUPPLY),
        open=True,
        suppliable=True,
    ),
    StatusRow(
        Status.CONDITIONAL,
        "conditional",
        _BOTH,
        RecordStatus.IN_PROCESS,
        PartnerStatus(IsoStatus.WILL_SUPPLY, "Conditional:"),
        staff_label="Conditional reply: waiting for the library",
        open=True,
        library_may_cancel=True,
        asks=Ask.CONDITIONS,
    ),
    StatusRow(
        Status.QUOTED,
        "conditional",
        _COPIES,
        RecordStatus.IN_PROCESS,
        PartnerStatus(IsoStatus.WILL_SUPPLY, "Price quote to approve:"),
        staff_label="Price quote: waiting for the library's approval",
        open=True,
        library_may_cancel=True,
        asks=Ask.QUOTE,
    ),
    StatusRow(
        Status.DELIVERED,
        "delivered",
        _COPIES,
        RecordStatus.FILLED,
        PartnerStatus(IsoStatus.COPY_COMPLETED),
        supplied=True,
    ),
    StatusRow(
        Status.ON_LOAN,
        "on_loan",
        _LOANS,
        RecordStatus.SHIPPED,
        PartnerStatus(IsoStatus.LOANED),
        open=True,
        supplied=True,
        loan_out=True,
    ),
    StatusRow(
        Status.OVERDUE,
        "overdue",
        _LOANS,
        RecordStatus.SHIPPED,
        PartnerStatus(IsoStatus.OVERDUE),
        open=True,
        supplied=True,
        loan_out=True,
        overdue=True,
    ),
    StatusRow(
        Status.RETURNED,
        "finished",
        _LOANS,
        RecordStatus.FILLED,
        PartnerStatus(IsoStatus.LOAN_COMPLETED),
        supplied=True,
        finished=True,
    ),
    # Filled, so that the record is final and can be purged; no return is recorded.
    StatusRow(
        Status.LOST,
        "finished",
        _LOANS,
        RecordStatus.FILLED,
        PartnerStatus(IsoStatus.COMPLETED_WITHOUT_RETURN),
        supplied=True,
        finished=True,
    ),
    StatusRow(
        Status.REFUSED,
        "finished",
        _BOTH,
        RecordStatus.REFUSED,
        PartnerStatus(IsoStatus.UNFILLED),
        outcomes=(Outcome.REFUSE,),
        finished=True,
    ),
    StatusRow(
        Status.CANCELLED,
        "finished",
        _BOTH,
        RecordStatus.CANCELLED,
        PartnerStatus(IsoStatus.CANCELLED),
        finished=True,
    ),
)

STATUS_ROWS: dict[Status, StatusRow] = {row.status: row for row in _ROWS}


def row_of(status: str) -> StatusRow:
    return STATUS_ROWS[Status(status)]


def statuses(test: Callable[[StatusRow], bool]) -> tuple[Status, ...]:
    """The statuses whose rows pass `test`, in the order of `Status`."""
    return tuple(row.status for row in _ROWS if test(row))


def status_for_outcome() -> dict[Outcome, Status]:
    """The workflow status each copyright outcome leads to (the `outcomes` column)."""
    return {outcome: row.status for row in _ROWS for outcome in row.outcomes}


def record_status() -> dict[Status, RecordStatus]:
    """The copyright record's counting status in each workflow status (the `record` column)."""
    return {row.status: row.record for row in _ROWS}


OPEN = statuses(lambda row: row.open)
FINISHED = statuses(lambda row: row.finished)
SUPPLIED = statuses(lambda row: row.supplied)
ENDED_UNSUPPLIED = statuses(lambda row: row.ended_unsupplied)
LOAN_OUT = statuses(lambda row: row.loan_out)
CANCELLABLE_BY_INSTITUTION = statuses(lambda row: row.library_may_cancel)
WAITING_FOR_LIBRARY = statuses(lambda row: row.asks is not None)
OFFERED = statuses(lambda row: row.offered)
