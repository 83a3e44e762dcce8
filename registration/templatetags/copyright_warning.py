"""The 37 CFR 201.14 warning in its box, from its one definition (registration.terms)."""

from __future__ import annotations

from django import template

from registration.terms import COPYRIGHT_WARNING_HEADINGS, COPYRIGHT_WARNING_PARAGRAPHS

register = template.Library()


@register.inclusion_tag("includes/copyright_warning.html")
def copyright_warning() -> dict[str, tuple[str, ...]]:
    return {"headings": COPYRIGHT_WARNING_HEADINGS, "paragraphs": COPYRIGHT_WARNING_PARAGRAPHS}
