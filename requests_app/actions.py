"""The staff desk's workflow as data: one row per action, read by the desk views, the request
page's template and the tests (docs/desk.md, "The action table").

A row says what the action is called, which form collects its input, the statuses (and request
types) that allow it, and the service that performs it. The service is called as
`service(request, acting_user=..., **form.arguments())`, so a form's field names are its service's
keyword arguments. Adding an action is one row here and one function in `services.py`.

`perform` is the gate every desk action goes through (the request page, batch work): it refuses a
status the row does not allow, and the service's compare-and-set on that same status makes the
check race-free."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from delivery import forms as delivery_forms
from delivery import services as delivery_services
from fees import services as fees
from requests_app import forms as action_forms
from requests_app import services
from requests_app.models import Request, Service, Status
from requests_app.queues import Queue


class Tone(enum.Enum):
    """How the request page presents an action."""

    STEP = "step"  # moves the request on
    DANGER = "danger"  # ends the request: visually distinct and confirmed
    NOTE = "note"  # changes no status


@dataclass(frozen=True)
class DeskAction:
    slug: str
    title: str
    past: str  # what was done, for the reports: "Request 4411: shipped.", "12 shipped"
    form: type[action_forms.ActionForm]
    sources: tuple[Status, ...]
    service: Callable[..., object]
    kinds: tuple[Service, ...] = (Service.LOAN, Service.COPY)
    tone: Tone = Tone.STEP
    # The statuses in which this is the likely next step, offered first on the request page,
    # and a further condition where the status alone does not decide (a renewal asked for).
    next_in: tuple[Status, ...] = ()
    next_when: Callable[[Request], bool] | None = None
    # Offered for many selected requests at once from a queue (one form, each request in turn).
    batch: bool = False
    # A further condition on the request, where the status alone does not decide (a pending
    # renewal request, a title key to confirm).
    when: Callable[[Request], bool] | None = None
    # What the request page says above the form, from the request (the key to confirm).
    describe: Callable[[Request], str] | None = None

    def allows(self, item: Request) -> bool:
        if item.status not in self.sources or item.service not in self.kinds:
            return False
        return self.when is None or self.when(item)

    def fits(self, queue: Queue) -> bool:
        """Offered for a batch from this queue: every status the queue holds allows it, and
        some of its request types."""
        return set(queue.statuses) <= set(self.sources) and bool(set(queue.kinds) & set(self.kinds))

    def is_next_for(self, item: Request) -> bool:
        if item.status not in self.next_in or not self.allows(item):
            return False
        return self.next_when is None or self.next_when(item)

    def blank_form(self, item: Request) -> action_forms.ActionForm:
        current = self.form.initial_for(item)
        form = self.form(initial={"seen_status": item.status, **current}, auto_id=self.auto_id)
        form.fit(item)
        return form

    def bound_form(self, data: Any, files: Any = None, *, item: Request) -> action_forms.ActionForm:
        form = self.form(data, files, auto_id=self.auto_id)
        form.fit(item)
        return form

    @property
    def auto_id(self) -> str:
        """Field ids of their own (`id_refuse_reason`), so that each form's error summary links
        to its own fields on a page that shows several forms with the same field names."""
        return f"id_{self.slug}_%s"


_UNSUPPLIED = (Status.NEW, Status.IN_PROCESS)
_OPEN_UNSUPPLIED = (
    Status.NEW,
    Status.AWAITING_CLEARANCE,
    Status.IN_PROCESS,
    Status.CONDITIONAL,
    Status.QUOTED,
)


def _work_may_start(item: Request) -> bool:
    """A reproduction order is made only after the library approved its price quote."""
    return not item.is_duplication or item.quote_approved_at is not None


def _needs_a_quote(item: Request) -> bool:
    return item.is_duplication and item.quote_approved_at is None


def _above_maximum_cost(item: Request) -> bool:
    """Supplying would charge more than the library's maximum cost (docs/fees.md): the next
    step is the conditional reply that asks it to accept the cost, not the supply."""
    return bool(fees.cost_conditions(item))


def _within_maximum_cost(item: Request) -> bool:
    return not _above_maximum_cost(item)


_LOAN_OUT = (Status.ON_LOAN, Status.OVERDUE)


def _renewal_asked(item: Request) -> bool:
    return item.renewal_requested_at is not None


_ROWS = (
    DeskAction(
        "accept",
        "Accept",
        "accepted",
        action_forms.StaffNoteForm,
        (Status.NEW,),
        services.accept_request,
        next_in=(Status.NEW,),
    ),
    DeskAction(
        "fill",
        "Fill the copy",
        "filled (an electronic copy once its file is ready: see Electronic delivery)",
        delivery_forms.FillForm,
        _UNSUPPLIED,
        delivery_services.fill_copy,
        kinds=(Service.COPY,),
        next_in=_UNSUPPLIED,
        next_when=_within_maximum_cost,
        when=_work_may_start,
    ),
    DeskAction(
        "quote",
        "Send the price quote",
        "quoted",
        action_forms.QuoteForm,
        _UNSUPPLIED,
        services.send_quote,
        kinds=(Service.COPY,),
        next_in=_UNSUPPLIED,
        when=_needs_a_quote,
    ),
    DeskAction(
        "ship",
        "Ship the loan",
        "shipped",
        action_forms.ShipForm,
        _UNSUPPLIED,
        services.ship_loan,
        kinds=(Service.LOAN,),
        next_in=_UNSUPPLIED,
        next_when=_within_maximum_cost,
        batch=True,
    ),
    DeskAction(
        "conditional",
        "Conditional reply",
        "answered conditionally",
        action_forms.ConditionalForm,
        _UNSUPPLIED,
        services.reply_conditionally,
        next_in=_UNSUPPLIED,
        next_when=_above_maximum_cost,
    ),
    DeskAction(
        "permission",
        "Record permission",
        "given a permission",
        action_forms.PermissionForm,
        (Status.AWAITING_CLEARANCE,),
        services.record_permission,
        kinds=(Service.COPY,),
        next_in=(Status.AWAITING_CLEARANCE,),
        describe=lambda item: (
            f"The library entered permission {item.record.permission_reference}: recording "
            "it as given confirms it (docs/copyright.md section 5)."
            if item.record.permission_to_confirm
            else ""
        ),
    ),
    DeskAction(
        "rights",
        "Record the rights review",
        "given a rights review",
        action_forms.RightsFindingForm,
        (Status.AWAITING_CLEARANCE,),
        services.record_determination,
        kinds=(Service.COPY,),
        next_in=(Status.AWAITING_CLEARANCE,),
        when=lambda item: item.record.rights_to_review,
        describe=lambda item: (
            "This reproduction order does not rely on section 108: record what the rights "
            "review found, record a permission, or refuse it with a reason "
            "(docs/copyright.md section 5)."
        ),
    ),
    DeskAction(
        "determination",
        "Record a 107 or 108(e) determination",
        "given a determination",
        action_forms.DeterminationForm,
        (Status.AWAITING_CLEARANCE,),
        services.record_determination,
        kinds=(Service.COPY,),
    ),
    DeskAction(
        "reevaluate",
        "Re-evaluate",
        "re-evaluated",
        action_forms.ActionForm,
        (Status.AWAITING_CLEARANCE,),
        services.reevaluate,
        kinds=(Service.COPY,),
    ),
    DeskAction(
        "confirm_key",
        "Confirm the title key",
        "given a confirmed title key",
        action_forms.ActionForm,
        (Status.AWAITING_CLEARANCE,),
        services.confirm_key,
        kinds=(Service.COPY,),
        when=lambda item: item.record.key_to_confirm,
        describe=lambda item: (
            f"Confirm the title key {item.record.title_key} as the key this "
            "copy is counted under (docs/copyright.md section 1)."
        ),
    ),
    DeskAction(
        "return",
        "Record the return",
        "returned",
        action_forms.ReturnForm,
        _LOAN_OUT,
        services.record_return,
        kinds=(Service.LOAN,),
        next_in=_LOAN_OUT,
        next_when=lambda item: not _renewal_asked(item),
    ),
    DeskAction(
        "renew",
        "Renew the loan",
        "renewed",
        action_forms.RenewForm,
        _LOAN_OUT,
        services.renew_loan,
        kinds=(Service.LOAN,),
        next_in=_LOAN_OUT,
        next_when=_renewal_asked,
        batch=True,
    ),
    DeskAction(
        "recall",
        "Recall the loan",
        "recalled",
        action_forms.RecallForm,
        (Status.ON_LOAN,),
        services.recall_loan,
        kinds=(Service.LOAN,),
        when=lambda item: item.due_date is None or item.due_date > timezone.localdate(),
    ),
    DeskAction(
        "holding",
        "Record call number and location",
        "given a call number and location",
        action_forms.HoldingForm,
        (*_OPEN_UNSUPPLIED, *_LOAN_OUT),
        services.record_holding,
        tone=Tone.NOTE,
    ),
    DeskAction(
        "citation",
        "Correct the citation",
        "given a corrected citation",
        action_forms.CitationCorrectionForm,
        tuple(Status),
        services.correct_citation,
        tone=Tone.NOTE,
        describe=lambda item: (
            "The copy was supplied (or the request is finished): its copyright facts (titles, "
            "author, date, volume, issue, pages, ISSN, ISBN) stay as they were decided and "
            "counted. The publisher, place, edition and the other identifiers may still be "
            "corrected."
            if item.facts_locked
            else "A change to the copyright facts of a copy not yet supplied evaluates it again."
            if item.is_copy
            else ""
        ),
    ),
    DeskAction(
        "decline_renewal",
        "Decline the renewal the library asked for",
        "declined for renewal",
        action_forms.DeclineRenewalForm,
        _LOAN_OUT,
        services.decline_renewal,
        kinds=(Service.LOAN,),
        next_in=_LOAN_OUT,
        next_when=_renewal_asked,
        batch=True,
        when=_renewal_asked,
    ),
    DeskAction(
        "lost",
        "Mark lost",
        "marked lost",
        action_forms.ConfirmedNoteForm,
        _LOAN_OUT,
        services.mark_lost,
        kinds=(Service.LOAN,),
        tone=Tone.DANGER,
    ),
    DeskAction(
        "refuse",
        "Refuse",
        "refused",
        action_forms.RefuseForm,
        _OPEN_UNSUPPLIED,
        services.refuse_request,
        tone=Tone.DANGER,
        batch=True,
    ),
    DeskAction(
        "cancel",
        "Cancel",
        "cancelled",
        action_forms.CancelForm,
        _OPEN_UNSUPPLIED,
        services.cancel_request,
        tone=Tone.DANGER,
    ),
    DeskAction(
        "message",
        "Send a message to the library",
        "message sent",
        action_forms.MessageForm,
        tuple(Status),
        services.send_message,
        tone=Tone.NOTE,
    ),
    DeskAction(
        "note",
        "Add a staff note",
        "noted",
        action_forms.StaffOnlyNoteForm,
        tuple(Status),
        services.add_staff_note,
        tone=Tone.NOTE,
    ),
)

ACTIONS: dict[str, DeskAction] = {row.slug: row for row in _ROWS}
BATCH_ACTIONS: dict[str, DeskAction] = {row.slug: row for row in _ROWS if row.batch}


@dataclass(frozen=True)
class Offer:
    """One action as the request page shows it."""

    action: DeskAction
    form: action_forms.ActionForm
    is_next: bool
    detail: str = ""

    @property
    def is_open(self) -> bool:
        """Shown unfolded: the likely next step, or a form that came back with errors."""
        return self.is_next or bool(self.form.errors)


_ORDER = {Tone.STEP: 1, Tone.NOTE: 2, Tone.DANGER: 3}


def offers(item: Request, bound: dict[str, action_forms.ActionForm] | None = None) -> list[Offer]:
    """The actions the request's status allows: the likely next step first, the rest in table
    order, the ones that end the request last. `bound` holds a submitted form to show again."""
    bound = bound or {}
    shown = [
        Offer(
            row,
            bound.get(row.slug) or row.blank_form(item),
            row.is_next_for(item),
            row.describe(item) if row.describe else "",
        )
        for row in _ROWS
        if row.allows(item)
    ]
    return sorted(shown, key=lambda offer: 0 if offer.is_next else _ORDER[offer.action.tone])


def perform(
    action: DeskAction, item: Request, form: action_forms.ActionForm, *, acting_user: Any
) -> object:
    """Run a validated action form; StaleRequest if the status the user saw does not allow it."""
    if form.cleaned_data["seen_status"] not in action.sources or item.service not in action.kinds:
        raise services.stale(item)
    return action.service(item, acting_user=acting_user, **form.arguments())


@dataclass
class BatchResult:
    """What a batch did to each selected request, for the one-line report staff read."""

    verb: str
    why_not: str = "did not allow it"
    done: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    not_allowed: list[int] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.done)} {self.verb}"]
        if self.changed:
            parts.append(f"{len(self.changed)} had changed meanwhile: {_numbers(self.changed)}")
        if self.not_allowed:
            parts.append(f"{len(self.not_allowed)} {self.why_not}: {_numbers(self.not_allowed)}")
        return ", ".join(parts) + "."


def _numbers(numbers: list[int]) -> str:
    noun = "request" if len(numbers) == 1 else "requests"
    return f"{noun} {', '.join(str(n) for n in numbers)}"


def perform_batch(
    action: DeskAction,
    picked: list[tuple[Request, str]],
    data: Mapping[str, Any],
    *,
    acting_user: Any,
) -> BatchResult:
    """Run one action's validated input on each (request, status the user saw), each in its own
    compare-and-set: one request that changed does not stop the others."""
    result = BatchResult(verb=action.past)
    for item, seen in picked:
        form = action.form({**data, "seen_status": seen})
        if seen != item.status:
            result.changed.append(item.pk)
            continue
        if not action.allows(item) or not form.is_valid():
            result.not_allowed.append(item.pk)
            continue
        try:
            perform(action, item, form, acting_user=acting_user)
        except services.StaleRequest:
            result.changed.append(item.pk)
        except fees.ChargeAboveMaximum:
            result.not_allowed.append(item.pk)
        else:
            result.done.append(item.pk)
    return result
