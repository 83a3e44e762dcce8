"""A new request, whatever its channel (portal, desk, ISO 18626): decided by the copyright rules
and stored in one transaction, with the library's email; then fanned out as `submitted`
(requests_app/lifecycle.py), which starts the catalog lookup and the lending policy."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from copyright_rules import services as copyright
from copyright_rules.facts import Flag, Outcome, RequestFacts
from copyright_rules.facts import Service as CopyrightService
from copyright_rules.models import Decision
from illdesk import outbox
from illdesk.inserts import New
from registration.models import Institution, OutboxMessage
from requests_app import lifecycle, search
from requests_app.models import Action, Request, RequestEmail, Status

# The library's email for a new request: held for copyright, or received (accepted or refused,
# as the decision it carries says).
_EMAIL_ON_ARRIVAL = {Status.AWAITING_CLEARANCE: RequestEmail.HELD}
_RECEIVED = RequestEmail.RECEIVED


class IncompleteRequest(Exception):
    """The copyright rules rejected the citation as incomplete: nothing was stored."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.explanation)
        self.decision = decision


class RepeatedArticle(Exception):
    """A reproduction order of an article the institution already ordered this year, not
    confirmed: nothing was stored (docs/copyright.md section 5)."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.explanation)
        self.decision = decision


def submit_loan_request(
    institution: Institution, *, fields: Mapping[str, object], acting_user: User | None
) -> Request:
    facts = RequestFacts(
        created_at=timezone.now(),
        service=CopyrightService.LOAN,
        title=str(fields.get("title") or "") or None,
        author=str(fields.get("author") or "") or None,
    )
    return _submit(institution, fields=fields, facts=facts, user=acting_user)


def submit_copy_request(
    institution: Institution,
    *,
    fields: Mapping[str, object],
    facts: RequestFacts,
    acting_user: User | None,
    repeat_confirmed: bool = False,
) -> Request:
    """Decide and store in one transaction; raises IncompleteRequest, or RepeatedArticle for an
    unconfirmed repeat of a reproduction order (nothing stored in either case).

    `facts` is the form's `request_facts()`, passed to the copyright rules unchanged."""
    return _submit(
        institution, fields=fields, facts=facts, user=acting_user, repeat_ok=repeat_confirmed
    )


def _submit(
    institution: Institution,
    *,
    fields: Mapping[str, object],
    facts: RequestFacts,
    user: User | None,
    repeat_ok: bool = True,
) -> Request:
    now = facts.created_at
    with transaction.atomic():
        decided = copyright.decide_new(institution, facts, acting_user=user)
        record, decision = decided.record, decided.decision
        # Raised before anything is written; the rollback releases the lock.
        if decision.outcome == Outcome.REJECT_INCOMPLETE:
            raise IncompleteRequest(decision)
        if Flag.REPEATED_ARTICLE in decision.flags and not repeat_ok:
            raise RepeatedArticle(decision)
        status = lifecycle.STATUS_FOR_OUTCOME[Outcome(decision.outcome)]
        refused = status == Status.REFUSED
        request = Request(
            institution=institution,
            record=record,
            service=record.service,
            status=status,
            created_at=now,
            updated_at=now,
            submitted_by=user,
            reason=decision.explanation if refused else "",
            refusal_reason=Request.RefusalReason.COPYRIGHT if refused else "",
            **fields,
            **search.columns(fields),
        )
        # A request email, sent from its outbox row as the outbox sends every other one.
        email = OutboxMessage(email=_EMAIL_ON_ARRIVAL.get(status, _RECEIVED))
        emailed = institution.wants_email(email.email)  # docs/emails.md, "Preferences"
        # The record, what it cites, its decision, the request and its email's outbox row: one
        # INSERT statement on PostgreSQL.
        more = [New(email, ids={"target_id": request})] if emailed else []
        copyright.record_decided(decided, request, *more)
        if emailed:
            outbox.dispatch_on_commit(email)
        lifecycle.fan_out(lifecycle.Event(request, Action.SUBMITTED, "", status, user))
    return request
