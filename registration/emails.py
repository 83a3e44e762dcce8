"""Registration emails: one function per email, each with subject, text and HTML templates."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from illdesk.office import office_contact
from registration.models import Institution, Registration


def _send(name: str, *, to: str, context: dict[str, object]) -> None:
    """To the registrant or the library; a reply goes to the office's address."""
    office = office_contact()
    context = {**context, "office": office}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to], reply_to=[office.email])
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def send_credentials(institution: Institution, *, password: str) -> None:
    """The only place the plaintext password goes: this one email, never a log or the database."""
    _send(
        "credentials",
        to=institution.email,
        context={
            "institution": institution,
            "username": institution.username,
            "password": password,
            "login_url": f"{settings.SITE_URL}{reverse('login')}",
        },
    )


def send_information_request(registration: Registration, *, message: str, update_url: str) -> None:
    _send(
        "registration-info-request",
        to=registration.email,
        context={"registration": registration, "message": message, "update_url": update_url},
    )


def send_rejection_notice(registration: Registration) -> None:
    _send("registration-rejected", to=registration.email, context={"registration": registration})


def send_reregistration_notice(institution: Institution, *, registration: Registration) -> None:
    """To the verified address only, and with nothing in it that grants anything: the library
    learns that someone asked for its account, and whom to call if it was not them."""
    _send(
        "registration-reregistered",
        to=institution.email,
        context={
            "institution": institution,
            "registration": registration,
            "email_differs": "email" in registration.contact_changes(institution),
            "details_differ": bool(registration.contact_changes(institution)),
        },
    )
