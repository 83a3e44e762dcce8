"""What the staff desk shows of a request's ISO 18626 messages."""

from __future__ import annotations

from typing import Any

from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request


def iso18626_context(item: Request) -> dict[str, Any]:
    """The request's message log, and how many outgoing messages did not go through."""
    messages = list(IsoMessage.objects.filter(request=item).order_by("created_at", "pk"))
    stuck = (IsoMessage.Delivery.REJECTED, IsoMessage.Delivery.FAILED)
    return {
        "iso_messages": messages,
        "iso_problems": sum(1 for m in messages if m.delivery in stuck),
    }
