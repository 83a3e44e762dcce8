"""Template filters for request pages and emails."""

from datetime import datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from requests_app import wording
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
def age(moment: datetime) -> str:
    """How long ago, in its largest unit: "3 days", "5 hours", "under a minute"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "under a minute"
    return timesince(moment, depth=1)
