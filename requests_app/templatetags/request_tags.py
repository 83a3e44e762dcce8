"""Template filters for request pages and emails."""

from decimal import Decimal

from django import template

from requests_app.models import PLAIN_OUTCOMES

register = template.Library()


@register.filter
def plain_outcome(outcome: str) -> str:
    """A copyright outcome in the library's words, without the rule code."""
    return PLAIN_OUTCOMES.get(outcome, "")


@register.filter
def money(amount: Decimal | int | float | None) -> str:
    """An amount in US dollars as staff write it: "US$1,234.50" (always two decimals)."""
    if amount is None:
        return ""
    return f"US${Decimal(amount):,.2f}"
