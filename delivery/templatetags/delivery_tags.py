"""The request page's electronic delivery panel: how far the copy has come."""

from __future__ import annotations

from django import template

from delivery.desk import latest_delivery
from requests_app.models import Request

register = template.Library()


@register.inclusion_tag("delivery/_progress.html")
def delivery_progress(item: Request) -> dict[str, object]:
    return {"delivery": latest_delivery(item) if item.is_copy else None}
