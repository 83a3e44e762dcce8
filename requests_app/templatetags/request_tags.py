"""Template filters for request pages and emails."""

from typing import Any

from django import template
from django.urls import reverse

from requests_app.models import PLAIN_OUTCOMES

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
)


@register.simple_tag(takes_context=True)
def portal_nav(context: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Each navigation link as (address, label, is this page): the current one is marked."""
    match = getattr(context.get("request"), "resolver_match", None)
    current = match.view_name if match else ""
    return [(reverse(name), label, name == current) for name, label in PORTAL_NAV]
