"""The conversation on a request: the office's and the library's messages (on the timeline,
emailed, and to the library's ILL system through the fan-out), what a library's system told the
office, and staff notes (docs/desk.md, "Messages")."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from illdesk.actors import Actor, user_of
from requests_app import lifecycle
from requests_app.models import Action, Request, RequestEvent


def record_library_message(request: Request, *, text: str) -> RequestEvent:
    """What a library's ILL system told the office (ISO 18626), on the request's timeline."""
    return RequestEvent.objects.create(request=request, action=Action.LIBRARY_MESSAGE, text=text)


def send_message(request: Request, *, text: str, acting_user: Actor) -> RequestEvent:
    """The office writes to the library: on the timeline, emailed after commit and sent to its
    ILL system as a Notification."""
    with transaction.atomic():
        return lifecycle.record(
            request, Action.MESSAGE, actor=acting_user, text=text, email="office-message"
        )


def send_library_message(request: Request, *, text: str, acting_user: Actor) -> RequestEvent:
    """The library writes to the office: on the timeline, unread on the desk until staff open
    the request, and emailed to the office's address after commit."""
    with transaction.atomic():
        return lifecycle.record(
            request, Action.LIBRARY_MESSAGE, actor=acting_user, text=text, email="library-message"
        )


def add_staff_note(request: Request, *, text: str, acting_user: Actor) -> RequestEvent:
    """A note for colleagues: never shown to the library, never emailed."""
    return RequestEvent.objects.create(
        request=request,
        action=Action.STAFF_NOTE,
        staff_note=text,
        actor=user_of(acting_user),
    )


def mark_library_messages_read(request_id: int) -> int:
    unread = RequestEvent.objects.unread_library_messages().filter(request_id=request_id)
    return unread.update(read_at=timezone.now())
