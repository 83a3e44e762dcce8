"""Request emails: one function per email, each with subject, text and HTML templates in
templates/emails/ (docs/emails.md lists them). Library emails go to the institution's contact
address, carry the request number and the library's own reference in the subject with what
happened, end with the office's signature (settings OFFICE_*) and answer to the office's address;
the emails to the office about a library's request answer to that library's contact."""

from collections.abc import Callable
from functools import partial
from typing import TypedDict

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from copyright_rules.facts import Outcome
from illdesk.office import office_contact
from registration.models import Institution, OptionalEmail
from requests_app.models import Action, Request, RequestEmail, RequestEvent


def _send(
    name: str, request: Request, *, to: str | None = None, **extra: object
) -> EmailMultiAlternatives:
    """To the library (`to` another of its addresses, if not its contact), or to the office for
    the emails of TO_OFFICE; each side's reply reaches the other (docs/emails.md, "Reply-To")."""
    office = office_contact()
    context = {
        "request_obj": request,
        "institution": request.institution,
        "decision": request.record.latest_decision,
        "url": _link("requests:detail", request),
        "office": office,
        **extra,
    }
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    context["subject"] = subject
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    to_office = name in TO_OFFICE
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[office.email if to_office else to or request.institution.email],
        reply_to=[request.institution.email if to_office else office.email],
    )
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)
    return message


def library_wants(request_id: int, name: str) -> bool:
    """Whether the request's library receives the email `name` (`Institution.wants_email`):
    a mandatory one, or one to the office, without looking the library up."""
    if name not in OptionalEmail.values:
        return True
    return Institution.objects.get(requests=request_id).wants_email(name)


def _link(view: str, request: Request) -> str:
    return f"{settings.SITE_URL}{reverse(view, args=[request.pk])}"


class Conversation(TypedDict):
    message: RequestEvent | None
    earlier_messages: list[RequestEvent]


def _conversation(request: Request, action: str) -> Conversation:
    """The newest message of one side, and the earlier messages of both, newest first. The email
    is rendered when it is sent, so it always shows the whole conversation so far."""
    messages = list(
        RequestEvent.objects.filter(request=request, action__in=Action.conversation()).order_by(
            "-created_at", "-pk"
        )[:6]
    )
    newest = next((event for event in messages if event.action == action), None)
    return {"message": newest, "earlier_messages": [m for m in messages if m is not newest][:5]}


def send_request_received(request: Request) -> EmailMessage:
    """With the copyright decision in plain words (copies only); the subject says whether the
    request was refused as it arrived: by the submission's own decision, whatever staff did
    before the email went out. A request held as it arrives gets `request-held` instead."""
    first = request.record.decisions.order_by("created_at", "pk").first()
    refused = first is not None and first.outcome == Outcome.REFUSE
    return _send("request-received", request, refused=refused)


def send_request_held(request: Request) -> EmailMessage:
    """Held for copyright permission: why, in the decision's words, and what the library can do."""
    return _send("request-held", request)


def send_request_released(request: Request) -> EmailMessage:
    """A request held for copyright permission was released: it goes ahead."""
    return _send("request-released", request)


def send_request_conditional(request: Request) -> EmailMessage:
    return _send("request-conditional", request)


def send_request_filled(request: Request) -> EmailMessage:
    """A copy delivered: the download link and until when it works, or mailed."""
    return _send(
        "request-filled",
        request,
        to=request.institution.electronic_delivery_email,
        delivery_days=settings.REQUESTS_DELIVERY_DAYS,
        download_url=_link("requests:download", request),
    )


def send_loan_shipped(request: Request) -> EmailMessage:
    return _send("loan-shipped", request)


def send_loan_renewed(request: Request) -> EmailMessage:
    return _send("loan-renewed", request)


def send_loan_recalled(request: Request) -> EmailMessage:
    """With the office's recall note (the newest recall on the timeline: date and reason)."""
    recalled = request.events.filter(action=Action.RECALLED).order_by("-created_at", "-pk")
    return _send("loan-recalled", request, recalled=recalled.first())


def send_loan_returned(request: Request) -> EmailMessage:
    return _send("loan-returned", request)


def send_request_refused(request: Request) -> EmailMessage:
    return _send("request-refused", request)


def send_request_cancelled(request: Request) -> EmailMessage:
    return _send("request-cancelled", request)


def send_loan_due_soon(request: Request) -> EmailMessage:
    return _send("loan-due-soon", request)


def send_loan_overdue(request: Request, *, notice: int) -> EmailMessage:
    """The notice number is the email's own (not read from the request when it is sent: a
    renewal in between resets the request's count)."""
    return _send("loan-overdue", request, notice=notice)


def send_renewal_declined(request: Request) -> EmailMessage:
    """With the reason staff gave (the newest renewal decision on the timeline)."""
    declined = request.events.filter(action=Action.RENEWAL_DECLINED).order_by("-created_at", "-pk")
    return _send("renewal-declined", request, declined=declined.first())


def send_renewal_requested(request: Request) -> EmailMessage:
    """The library asked for a renewal: to the office's address, with the desk link."""
    asked = request.events.filter(action=Action.RENEWAL_REQUESTED).order_by("-created_at", "-pk")
    return _send(
        "renewal-requested",
        request,
        desk_url=_link("desk:detail", request),
        asked=asked.first(),
    )


def send_quote_sent(request: Request) -> EmailMessage:
    return _send("quote-sent", request)


def send_quote_answered(request: Request) -> EmailMessage:
    """The library approved or declined a price quote: to the office's address."""
    return _send("quote-answered", request, desk_url=_link("desk:detail", request))


def send_office_message(request: Request) -> EmailMessage:
    """The office wrote to the library."""
    return _send("office-message", request, **_conversation(request, Action.MESSAGE))


def send_library_message(request: Request) -> EmailMessage:
    """The library wrote to the office: to the office's address, with the desk link."""
    return _send(
        "library-message",
        request,
        desk_url=_link("desk:detail", request),
        **_conversation(request, Action.LIBRARY_MESSAGE),
    )


# One sender for each RequestEmail.
EMAILS: dict[RequestEmail, Callable[[Request], EmailMessage]] = {
    RequestEmail.RECEIVED: send_request_received,
    RequestEmail.HELD: send_request_held,
    RequestEmail.RELEASED: send_request_released,
    RequestEmail.CONDITIONAL: send_request_conditional,
    RequestEmail.FILLED: send_request_filled,
    RequestEmail.SHIPPED: send_loan_shipped,
    RequestEmail.RENEWED: send_loan_renewed,
    RequestEmail.RECALLED: send_loan_recalled,
    RequestEmail.RENEWAL_DECLINED: send_renewal_declined,
    RequestEmail.RENEWAL_REQUESTED: send_renewal_requested,
    RequestEmail.QUOTE_SENT: send_quote_sent,
    RequestEmail.QUOTE_ANSWERED: send_quote_answered,
    RequestEmail.RETURNED: send_loan_returned,
    RequestEmail.REFUSED: send_request_refused,
    RequestEmail.CANCELLED: send_request_cancelled,
    RequestEmail.DUE_SOON: send_loan_due_soon,
    RequestEmail.OVERDUE_1: partial(send_loan_overdue, notice=1),
    RequestEmail.OVERDUE_2: partial(send_loan_overdue, notice=2),
    RequestEmail.OFFICE_MESSAGE: send_office_message,
    RequestEmail.LIBRARY_MESSAGE: send_library_message,
}

# The emails addressed to the office rather than to the library.
TO_OFFICE = frozenset(
    {RequestEmail.LIBRARY_MESSAGE, RequestEmail.RENEWAL_REQUESTED, RequestEmail.QUOTE_ANSWERED}
)
