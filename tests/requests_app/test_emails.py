"""Request emails: multipart, to the institution's contact address, sent after commit by Celery."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from illdesk import outbox
from registration.models import Institution
from requests_app import emails
from requests_app.models import Request, RequestEmail
from tests.factories import make_institution
from tests.requests_app.factories import make_copy
from tests.requests_app.test_submit import COPY_POST


def test_every_request_email_has_its_sender() -> None:
    """The purge deletes a request's outbox rows by these names (Request.purged_with)."""
    assert set(emails.EMAILS) == set(RequestEmail)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(emails.EMAILS))
def test_every_request_email_is_multipart_to_the_contact_or_the_office(
    name: RequestEmail, institution: Institution, settings: Any
) -> None:
    item = make_copy(institution)
    item.reason = "Not owned"
    emails.EMAILS[name](item)
    message = mail.outbox[0]
    office = name in emails.TO_OFFICE
    assert message.to == [settings.OFFICE_EMAIL if office else institution.email]
    assert [kind for _, kind in getattr(message, "alternatives", [])] == ["text/html"]
    page = "desk:detail" if office else "requests:detail"
    assert reverse(page, args=[item.pk]) in message.body


@pytest.mark.django_db
def test_refusal_email_gives_the_reason(
    desk: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution)
    with django_capture_on_commit_callbacks(execute=True):
        data = {
            "seen_status": "new",
            "refusal_reason": "too_fragile",
            "reason": "Brittle paper",
            "confirm": "on",
        }
        desk.post(reverse("desk:act", args=[item.pk, "refuse"]), data)
    assert "Too fragile" in mail.outbox[-1].body and "Brittle paper" in mail.outbox[-1].body


@pytest.mark.django_db
def test_a_refusal_without_explanation_names_its_reason_once(
    desk: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "refusal_reason": "too_fragile", "reason": "", "confirm": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(reverse("desk:act", args=[item.pk, "refuse"]), data)
    message = mail.outbox[-1]
    [(html, _)] = getattr(message, "alternatives", [])
    for body in (message.body, str(html)):
        assert body.count("Too fragile to lend or copy") == 1


@pytest.mark.django_db
def test_no_email_is_sent_before_commit(
    portal: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        portal.post(reverse("requests:new_copy"), COPY_POST)
    # The email's hand-over to the worker waits for the commit (as do other apps' submission
    # hooks, such as the policy rules).
    dispatches = [call for call in callbacks if getattr(call, "func", None) is outbox.dispatch]
    assert len(dispatches) == 1 and mail.outbox == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_submission_emails_the_decision_through_the_worker_over_smtp(
    broker: str, smtp_server: Any, celery_worker: Any
) -> None:
    """The whole path on real parts: submit, decide, commit, Celery worker, SMTP server."""
    institution = make_institution()
    client = Client()
    client.force_login(institution.user)  # type: ignore[arg-type]
    client.post(reverse("requests:new_copy"), COPY_POST)
    created = Request.objects.get()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == institution.email
    assert message["Subject"] == f"Copy request {created.pk}: received"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert created.record.decisions.get().explanation in body


@pytest.mark.django_db
def test_the_admin_email_log_shows_recipient_subject_text_and_the_request(
    desk: Client,
    admin_client: Client,
    institution: Institution,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from registration.models import OutboxMessage

    item = make_copy(institution)
    data = {"seen_status": "new", "refusal_reason": "too_fragile", "reason": "Brittle paper"}
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(reverse("desk:act", args=[item.pk, "refuse"]), {**data, "confirm": "on"})
    sent = mail.outbox[-1]
    logged = OutboxMessage.objects.get(email="request-refused", target_id=item.pk)
    assert (logged.recipient, logged.subject, logged.body) == (
        institution.email,
        sent.subject,
        sent.body,
    )
    listing = admin_client.get(reverse("admin:registration_outboxmessage_changelist"))
    page = listing.content.decode()
    subject = str(sent.subject)
    assert institution.email in page and subject in page
    assert f'<a href="{reverse("desk:detail", args=[item.pk])}">Request {item.pk}</a>' in page
    found = admin_client.get(
        reverse("admin:registration_outboxmessage_changelist"), {"q": institution.email}
    )
    assert subject in found.content.decode()
    one = admin_client.get(reverse("admin:registration_outboxmessage_change", args=[logged.pk]))
    assert "Brittle paper" in one.content.decode()


@pytest.mark.django_db
def test_the_email_log_never_keeps_the_credentials_email(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from registration import services as registration_services
    from registration.models import OutboxMessage
    from tests.registration.factories import RegistrationFactory

    registration = RegistrationFactory.create(oclc_symbol="SPL")
    from django.contrib.auth.models import User

    staff = User.objects.get(is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        registration_services.approve_registration(registration, acting_user=staff)
    message = OutboxMessage.objects.get(email=OutboxMessage.CREDENTIALS)
    assert (
        message.status == OutboxMessage.Status.SENT and "password" in mail.outbox[-1].body.lower()
    )
    assert (message.recipient, message.subject, message.body) == ("", "", "")
    page = admin_client.get(reverse("admin:registration_outboxmessage_change", args=[message.pk]))
    assert "Not kept: the credentials email holds a password." in page.content.decode()
