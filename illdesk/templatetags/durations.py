"""Durations in words for pages: "15 minutes", never an ISO 8601 period like "PT15M"."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def in_words(duration: timedelta | None) -> str:
    """A duration as people say it ("15 minutes", "1 hour, 30 minutes"); empty without one."""
    if not duration:
        return ""
    now = timezone.now()
    return timesince(now, now + duration)
