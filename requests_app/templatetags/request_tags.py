"""Template filters for request pages and emails."""

from django import template

from copyright_rules.explain import statement_recorded, what_you_can_do
from copyright_rules.models import Decision, Record
from requests_app.models import PLAIN_OUTCOMES

register = template.Library()


@register.filter
def plain_outcome(outcome: str) -> str:
    """A copyright outcome in the library's words, without the rule code."""
    return PLAIN_OUTCOMES.get(outcome, "")


@register.filter
def statement_note(decision: Decision | None, record: Record) -> str:
    """ "You said CCG; recorded as CCL because ..." (docs/copyright.md section 3), or ""."""
    if decision is None:
        return ""
    return statement_recorded(record.statement, decision.outcome, decision.rule) or ""


@register.filter
def ways_out(decision: Decision | None) -> tuple[str, ...]:
    """What the library can do about a held request (docs/copyright.md section 5)."""
    if decision is None:
        return ()
    return what_you_can_do(decision.outcome, decision.rule, decision.flags)
