"""The staff desk's workflow as data: one row per action, read by the desk views, the request
page's template and the tests (docs/desk.md, "The action table").

A row says what the action is called, which form collects its input, the statuses (and request
types) that allow it, and the service that performs it. The service is called as
`service(request, acting_user=..., **form.arguments())`, so a form's field names are its service's
keyword arguments. Adding an action is one row here and one function in `services.py`. The
statuses a row allows are columns of the status table (requests_app/models/status.py).

`requests_app.acting` offers the rows on the request page and performs them."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from delivery import desk as delivery_desk
from delivery import forms as delivery_forms
from fees import services as fees
from requests_app import filling, services
from requests_app import forms as action_forms
from requests_app.models import LOAN_OUT, OPEN, Request, Service, Status, statuses
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

    def bound_form(
        self,
        data: Mapping[str, object],
        files: MultiValueDict[str, UploadedFile] | None = None,
        *,
        item: Request,
    ) -> action_forms.ActionForm:
        form = self.form(data, files, auto_id=self.auto_id)
        form.fit(item)
        return form

    @property
    def auto_id(self) -> str:
        """Field ids of their own (`id_refuse_reason`), so that each form's error summary links
        to its own fields on a page that shows several forms with the same field names."""
        return f"id_{self.slug}_%s"


# The statuses each action starts from: columns of the status table
# (requests_app/models/status.py).
_ALL = tuple(Status)
_TO_REVIEW = statuses(lambda row: row.to_review)
_SUPPLIABLE = statuses(lambda row: row.suppliable)
_HELD = statuses(lambda row: row.held)
_OPEN_UNSUPPLIED = statuses(lambda row: row.open and not row.supplied)
_RECALLABLE = statuses(lambda row: row.loan_out and not row.overdue)


def _needs_a_quote(item: Request) -> bool:
    return item.is_duplication and item.quote_approved_at is None


def _above_maximum_cost(item: Request) -> bool:
    """Supplying would charge more than the library's maximum cost (docs/fees.md): the next
    step is the conditional reply that asks it to accept the cost, not the supply."""
    return bool(fees.cost_conditions(item))


def _within_maximum_cost(item: Request) -> bool:
    return not _above_maximum_cost(item)


def _renewal_asked(item: Request) -> bool:
    return item.renewal_requested_at is not None


_ROWS = (
    DeskAction(
        "accept",
        "Accept",
        "accepted",
        action_forms.StaffNoteForm,
        _TO_REVIEW,
        services.accept_request,
        next_in=_TO_REVIEW,
    ),
    DeskAction(
        "fill",
        "Fill the copy",
        "filled (an electronic copy once its file is ready: see Electronic delivery)",
        delivery_forms.FillForm,
        filling.SOURCES,
        delivery_desk.fill_copy,
        kinds=filling.KINDS,
        next_in=filling.SOURCES,
        next_when=_within_maximum_cost,
        when=filling.work_may_start,
    ),
    DeskAction(
        "quote",
        "Send the price quote",
        "quoted",
        action_forms.QuoteForm,
        _SUPPLIABLE,
        services.send_quote,
        kinds=(Service.COPY,),
        next_in=_SUPPLIABLE,
        when=_needs_a_quote,
    ),
    DeskAction(
        "ship",
        "Ship the loan",
        "shipped",
        action_forms.ShipForm,
        _SUPPLIABLE,
        services.ship_loan,
        kinds=(Service.LOAN,),
        next_in=_SUPPLIABLE,
        next_when=_within_maximum_cost,
        batch=True,
    ),
    DeskAction(
        "conditional",
        "Conditional reply",
        "answered conditionally",
        action_forms.ConditionalForm,
        _SUPPLIABLE,
        services.reply_conditionally,
        next_in=_SUPPLIABLE,
        next_when=_above_maximum_cost,
    ),
    DeskAction(
        "permission",
        "Record permission",
        "given a permission",
        action_forms.PermissionForm,
        _HELD,
        services.record_permission,
        kinds=(Service.COPY,),
        next_in=_HELD,
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
        _HELD,
        services.record_determination,
        kinds=(Service.COPY,),
        next_in=_HELD,
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
        _HELD,
        services.record_determination,
        kinds=(Service.COPY,),
    ),
    DeskAction(
        "reevaluate",
        "Re-evaluate",
        "re-evaluated",
        action_forms.ActionForm,
        _HELD,
        services.reevaluate,
        kinds=(Service.COPY,),
    ),
    DeskAction(
        "confirm_key",
        "Confirm the title key",
        "given a confirmed title key",
        action_forms.ActionForm,
        _HELD,
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
        LOAN_OUT,
        services.record_return,
        kinds=(Service.LOAN,),
        next_in=LOAN_OUT,
        next_when=lambda item: not _renewal_asked(item),
    ),
    DeskAction(
        "renew",
        "Renew the loan",
        "renewed",
        action_forms.RenewForm,
        LOAN_OUT,
        services.renew_loan,
        kinds=(Service.LOAN,),
        next_in=LOAN_OUT,
        next_when=_renewal_asked,
        batch=True,
    ),
    DeskAction(
        "recall",
        "Recall the loan",
        "recalled",
        action_forms.RecallForm,
        _RECALLABLE,
        services.recall_loan,
        kinds=(Service.LOAN,),
        when=lambda item: item.due_date is None or item.due_date > timezone.localdate(),
    ),
    DeskAction(
        "holding",
        "Record call number and location",
        "given a call number and location",
        action_forms.HoldingForm,
        OPEN,
        services.record_holding,
        tone=Tone.NOTE,
    ),
    DeskAction(
        "citation",
        "Correct the citation",
        "given a corrected citation",
        action_forms.CitationCorrectionForm,
        _ALL,
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
        LOAN_OUT,
        services.decline_renewal,
        kinds=(Service.LOAN,),
        next_in=LOAN_OUT,
        next_when=_renewal_asked,
        batch=True,
        when=_renewal_asked,
    ),
    DeskAction(
        "lost",
        "Mark lost",
        "marked lost",
        action_forms.ConfirmedNoteForm,
        LOAN_OUT,
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
        _ALL,
        services.send_message,
        tone=Tone.NOTE,
    ),
    DeskAction(
        "note",
        "Add a staff note",
        "noted",
        action_forms.StaffOnlyNoteForm,
        _ALL,
        services.add_staff_note,
        tone=Tone.NOTE,
    ),
)

ACTIONS: dict[str, DeskAction] = {row.slug: row for row in _ROWS}
BATCH_ACTIONS: dict[str, DeskAction] = {row.slug: row for row in _ROWS if row.batch}
