"""Fee emails: one function per email, each with subject, text and HTML templates in
templates/emails/, sent through the outbox (illdesk/outbox.py) after commit."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from fees.models import Invoice
from illdesk import outbox
from illdesk.office import office_contact
from registration.models import OutboxMessage


def invoice_reminder(invoice: Invoice) -> None:
    context = {
        "invoice": invoice,
        "institution": invoice.institution,
        "url": f"{settings.SITE_URL}{reverse('fees:statement')}",
        "office": office_contact(),
    }
    subject = " ".join(render_to_string("emails/invoice-reminder-subject.txt", context).split())
    context["subject"] = subject
    text = render_to_string("emails/invoice-reminder-body.txt", context)
    html = render_to_string("emails/invoice-reminder-body.html", context)
    to, reply_to = [invoice.institution.email], [settings.OFFICE_EMAIL]
    message = EmailMultiAlternatives(subject, text, to=to, reply_to=reply_to)
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def send_queued_reminder(message: OutboxMessage) -> None:
    """The outbox sender of "invoice-reminder": its target is the invoice."""
    found = Invoice.objects.select_related("institution")
    invoice = found.filter(pk=message.target_id).first() if message.target_id else None
    if invoice is None:
        raise outbox.Undeliverable("no such invoice")
    invoice_reminder(invoice)
