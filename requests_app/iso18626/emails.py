"""ISO 18626 emails: one function per email, each with subject, text and HTML templates in
templates/emails/, sent through the outbox (illdesk/outbox.py)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from illdesk.office import office_contact
from illdesk.outbox import Undeliverable
from registration.models import OutboxMessage
from requests_app.iso18626.models import IsoPartner

PARTNER_CHANGED = "iso-partner-changed"


def send_partner_changed(message: OutboxMessage) -> None:
    """To the institution's verified contact: its system's profile (address, agency id, which
    credentials are set, never their values) as it stands now, or that it was removed, so a
    change the library did not ask for is noticed."""
    institution = message.institution
    if institution is None:
        raise Undeliverable("the institution is gone")
    partner = IsoPartner.objects.filter(pk=message.target_id).first() if message.target_id else None
    office = office_contact()
    context = {"institution": institution, "partner": partner, "office": office}
    subject = " ".join(render_to_string(f"emails/{PARTNER_CHANGED}-subject.txt", context).split())
    text = render_to_string(f"emails/{PARTNER_CHANGED}-body.txt", context)
    html = render_to_string(f"emails/{PARTNER_CHANGED}-body.html", context)
    email = EmailMultiAlternatives(subject, text, to=[institution.email], reply_to=[office.email])
    email.attach_alternative(html, "text/html")
    email.send(fail_silently=False)
