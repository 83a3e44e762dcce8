"""What the staff desk shows of a request's ISO 18626 messages."""

from __future__ import annotations

from requests_app.iso18626.models import IsoMessage
from requests_app.iso18626.outbox import STUCK, resendable
from requests_app.models import Request


def iso18626_context(item: Request) -> dict[str, object]:
    """The request's message log, how many outgoing messages did not go through, and which of
    them staff may send again (`resendable` on each row)."""
    messages = list(IsoMessage.objects.filter(request=item).order_by("created_at", "pk"))
    later_sent = False
    for message in reversed(messages):
        message.resendable = resendable(message, later_sent)  # type: ignore[attr-defined]
        later_sent = later_sent or message.delivery == IsoMessage.Delivery.SENT
    return {
        "iso_messages": messages,
        "iso_problems": sum(1 for m in messages if m.delivery in STUCK),
    }
