"""Template filters for request pages and emails."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from copyright_rules.explain import statement_recorded, what_you_can_do
from copyright_rules.models import Decision, Record
from requests_app import wording
from requests_app.models import PLAIN_OUTCOMES, RequestEvent

register = template.Library()


@register.filter
def plain_outcome(outcome: str) -> str:
    """A copyright outcome in the library's words, without the rule code."""
    return PLAIN_OUTCOMES.get(outcome, "")


# The portal's own pages, in the order of its navigation (templates/requests_app/_nav.html).
PORTAL_NAV = (
    ("requests:dashboard", "Overview"),
    ("requests:list", "All requests"),
    ("requests:new_loan", "Request a loan"),
    ("requests:new_copy", "Request a copy"),
    ("requests:new_duplication", "Order a reproduction of our holdings"),
    ("fees:statement", "Fees and invoices"),
    ("account:emails", "Email choices"),
)


@register.simple_tag(takes_context=True)
def portal_nav(context: dict[str, object]) -> list[tuple[str, str, bool]]:
    """Each navigation link as (address, label, is this page): the current one is marked."""
    match = getattr(context.get("request"), "resolver_match", None)
    current = match.view_name if match else ""
    return [(reverse(name), label, name == current) for name, label in PORTAL_NAV]


@register.filter
def statement_note(decision: Decision | None, record: Record) -> str:
    """ "You said CCG; recorded as CCL because ..." (docs/copyright.md section 3), or "".
    A reproduction order's form asks no statement, so the library said none: nothing to say."""
    if decision is None or record.request.is_duplication:
        return ""
    return statement_recorded(record.statement, decision.outcome, decision.rule) or ""


@register.filter
def ways_out(decision: Decision | None) -> tuple[str, ...]:
    """What the library can do about a held request (docs/copyright.md section 5)."""
    if decision is None:
        return ()
    return what_you_can_do(decision.outcome, decision.rule, decision.flags)


@register.filter
def money(amount: Decimal | int | float | None) -> str:
    """An amount in US dollars as staff write it: "US$1,234.50" (always two decimals)."""
    if amount is None:
        return ""
    return f"US${Decimal(amount):,.2f}"


@register.filter
def staff_status(status: str) -> str:
    """A status in the desk's words (requests_app/wording.py)."""
    return wording.staff_status(status)


@register.filter
def staff_flags(flags: list[str]) -> str:
    return "; ".join(wording.staff_flag(flag) for flag in flags)


@register.filter
def for_staff(explanation: str, library: str) -> str:
    """A decision's explanation about the library (`library`: its symbol), not to it."""
    return wording.for_staff(explanation, library)


@register.filter
def in_time_with(
    decisions: Iterable[Decision], events: Iterable[RequestEvent]
) -> list[tuple[str, Decision | RequestEvent]]:
    """A request's copyright decisions and timeline events as one list in the order they
    happened, each as ("decision", row) or ("event", row): a decision taken after a later event
    (a permission recorded, a re-evaluation) is not listed above it. A decision and the event of
    the same moment keep that order (the decision is what the event reports)."""
    entries = [("decision", row) for row in decisions] + [("event", row) for row in events]
    return sorted(entries, key=lambda entry: entry[1].created_at)


@register.filter
def age(moment: datetime) -> str:
    """How long ago, in its largest unit: "3 days", "5 hours", "under a minute"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "under a minute"
    return timesince(moment, depth=1)
