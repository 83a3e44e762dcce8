"""Each request event's email says what happened in its subject and carries what the library needs
(docs/emails.md): the hold's reason and ways out, the shipment's use restrictions, carrier and
tracking number, the return's condition, the recall's note and date; and every email answers to
the other side (Reply-To)."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import emails
from requests_app.models import Request, RequestEmail, Status
from tests.factories import make_institution
from tests.requests_app.factories import make_copy, make_loan
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db


@pytest.fixture
def act(desk: Client, django_capture_on_commit_callbacks: Any) -> Any:
    """A desk action, committed: its emails are sent (Celery runs eagerly in these tests)."""

    def acting(item: Request, action: str, **data: str) -> None:
        item.refresh_from_db()
        url = reverse("desk:act", args=[item.pk, action])
        with django_capture_on_commit_callbacks(execute=True):
            response = desk.post(url, {"seen_status": item.status, **data})
        assert response.status_code == 302, response.content.decode()

    return acting


def future(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def explanation_of(item: Request) -> str:
    decision = item.record.latest_decision
    assert decision is not None
    return decision.explanation


def html_of(message: Any) -> str:
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    return str(html)


@pytest.fixture
def held(portal: Client, django_capture_on_commit_callbacks: Any) -> Request:
    """The sixth article from one journal this year, submitted in the portal: held."""
    for n in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            portal.post(reverse("requests:new_copy"), {**COPY_POST, "article_title": f"A{n}"})
    sixth = Request.objects.order_by("pk").last()
    assert sixth is not None and sixth.status == Status.AWAITING_CLEARANCE
    return sixth


def test_a_copy_held_as_it_arrives_says_so_in_the_subject(held: Request) -> None:
    message = mail.outbox[-1]
    assert message.subject == (
        f"Copy request {held.pk}: held for copyright permission, your action needed"
    )
    assert explanation_of(held) in str(message.body)


def test_the_held_email_says_why_and_what_the_library_can_do(held: Request) -> None:
    message = emails.EMAILS[RequestEmail.HELD](held)
    assert message.subject == (
        f"Copy request {held.pk}: held for copyright permission, your action needed"
    )
    explanation = explanation_of(held)
    for body in (str(message.body), html_of(message)):
        assert f"Why: {explanation}" in body
        assert "What you can do, on the request page:" in body
        assert "permission" in body.split("What you can do")[1]


def test_a_held_request_released_is_emailed_as_released(held: Request, act: Any) -> None:
    act(held, "permission", reference="CCC-123", fee="12.50")
    message = mail.outbox[-1]
    assert message.subject == (
        f"Copy request {held.pk}: released from the copyright hold, going ahead"
    )
    assert "no longer held for copyright permission" in message.body


def test_a_refusal_subject_says_refused_and_why(act: Any, institution: Institution) -> None:
    item = make_copy(institution)
    act(item, "refuse", refusal_reason="not_owned", reason="", confirm="on")
    assert mail.outbox[-1].subject == (
        f"Copy request {item.pk}: refused, cannot be supplied (not owned by the office)"
    )


def test_the_shipped_email_carries_the_use_restrictions_carrier_and_tracking(
    act: Any, institution: Institution
) -> None:
    item = make_loan(institution)
    act(
        item,
        "ship",
        due_date=future(21),
        library_use_only="on",
        no_copying="on",
        restriction_note="Handle with cotton gloves",
        carrier="ups",
        tracking_number="1Z999AA10123456784",
        pieces="2",
    )
    message = mail.outbox[-1]
    assert message.subject.startswith(f"Loan request {item.pk}: shipped, due back {future(21)}")
    assert "library use only" in message.subject
    restrictions = "Library use only; No copying; Handle with cotton gloves"
    assert f"Use restrictions: {restrictions}." in message.body
    assert "Sent by: UPS, tracking number 1Z999AA10123456784" in message.body
    assert "Pieces: 2" in message.body
    html = html_of(message)
    assert f"<strong>{restrictions}</strong>" in html and "1Z999AA10123456784" in html


def test_a_shipment_without_restrictions_says_none(act: Any, institution: Institution) -> None:
    item = make_loan(institution)
    act(item, "ship", due_date=future(21), pieces="1")
    message = mail.outbox[-1]
    assert message.subject == f"Loan request {item.pk}: shipped, due back {future(21)}"
    assert "Use restrictions: none" in message.body and "Sent by: not recorded" in message.body


def test_the_return_email_gives_the_recorded_condition(act: Any, institution: Institution) -> None:
    item = make_loan(institution)
    act(item, "ship", due_date=future(21), pieces="1")
    act(item, "return", condition="Spine cracked, otherwise fine")
    message = mail.outbox[-1]
    assert message.subject == f"Loan request {item.pk}: returned, thank you"
    condition = "Condition on return, as the office recorded it: Spine cracked, otherwise fine"
    assert condition in message.body and condition in html_of(message)


def test_the_recall_email_gives_the_reason_and_the_new_date(
    act: Any, institution: Institution
) -> None:
    item = make_loan(institution)
    act(item, "ship", due_date=future(21), pieces="1")
    act(item, "recall", due_date=future(3), reason="A reader here needs it for a thesis.")
    message = mail.outbox[-1]
    assert message.subject == f"Loan request {item.pk}: recalled, please return by {future(3)}"
    note = f"Recalled: to be returned by {future(3)}. A reader here needs it for a thesis."
    assert f"Please return it by {future(3)}." in message.body
    assert f"The office's recall note: {note}" in message.body and note in html_of(message)
    item.refresh_from_db()
    assert item.events.get(action="recalled").text == note


def test_every_email_has_its_own_subject(institution: Institution) -> None:
    item = make_loan(institution)
    subjects = {name: str(send(item).subject) for name, send in emails.EMAILS.items()}
    assert len(set(subjects.values())) == len(emails.EMAILS)
    said_received = {name for name, subject in subjects.items() if "received" in subject}
    assert said_received == {"request-received"}


@pytest.mark.parametrize("name", sorted(emails.EMAILS))
def test_each_email_answers_to_the_other_side(
    name: RequestEmail, institution: Institution, settings: Any
) -> None:
    item = make_copy(institution)
    message = emails.EMAILS[name](item)
    if name in emails.TO_OFFICE:
        assert (message.to, message.reply_to) == ([settings.OFFICE_EMAIL], [institution.email])
    else:
        assert message.reply_to == [settings.OFFICE_EMAIL]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_library_message_reaches_the_office_answering_to_the_library_over_smtp(
    broker: str, smtp_server: Any, celery_worker: Any, settings: Any
) -> None:
    """Through the portal, the worker and a real SMTP server: the headers as they travel."""
    institution = make_institution()
    client = Client()
    client.force_login(institution.user)  # type: ignore[arg-type]
    client.post(reverse("requests:new_copy"), COPY_POST)
    item = Request.objects.get()
    client.post(reverse("requests:message", args=[item.pk]), {"text": "Any news?"})
    received, to_office = smtp_server.wait_for(2)
    assert (received["To"], received["Reply-To"]) == (institution.email, settings.OFFICE_EMAIL)
    assert (to_office["To"], to_office["Reply-To"]) == (settings.OFFICE_EMAIL, institution.email)
