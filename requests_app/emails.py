"""Request emails to the institution's contact address: one function per email, each with
subject, text and HTML templates in templates/emails/."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from requests_app.models import Request


def _send(name: str, request: Request, **extra: Any) -> None:
    context = {
        "request_obj": request,
        "institution": request.institution,
        "decision": request.record.latest_decision,
        "url": f"{settings.SITE_URL}{reverse('requests:detail', args=[request.pk])}",
        **extra,
    }
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, to=[request.institution.email]
    )
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def send_request_received(request: Request) -> None:
    """With the copyright decision and its explanation."""
    _send("request-received", request)


def send_request_held(request: Request) -> None:
    _send("request-held", request)


def send_request_conditional(request: Request) -> None:
    _send("request-conditional", request)


def send_request_filled(request: Request) -> None:
    """A copy delivered (electronically or by mail) or a loan shipped."""
    _send("request-filled", request, delivery_days=settings.REQUESTS_DELIVERY_DAYS)


def send_request_refused(request: Request) -> None:
    _send("request-refused", request)


def send_request_cancelled(request: Request) -> None:
    _send("request-cancelled", request)


def send_loan_due_soon(request: Request) -> None:
    _send("loan-due-soon", request)


def send_loan_overdue(request: Request) -> None:
    _send("loan-overdue", request)


EMAILS = {
    "request-received": send_request_received,
    "request-held": send_request_held,
    "request-conditional": send_request_conditional,
    "request-filled": send_request_filled,
    "request-refused": send_request_refused,
    "request-cancelled": send_request_cancelled,
    "loan-due-soon": send_loan_due_soon,
    "loan-overdue": send_loan_overdue,
}
