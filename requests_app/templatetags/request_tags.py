"""Template filters for request pages and emails."""

from django import template

from requests_app.models import PLAIN_OUTCOMES

register = template.Library()


@register.filter
def plain_outcome(outcome: str) -> str:
    """A copyright outcome in the library's words, without the rule code."""
    return PLAIN_OUTCOMES.get(outcome, "")
