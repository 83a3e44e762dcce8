"""Two-way messages on a request, staff-only notes the library never sees, and the office's
contact details on library pages and in emails."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from registration.models import Institution
from requests_app import emails, services
from requests_app.models import Action, RequestEvent
from tests.requests_app.factories import make_copy
from tests.requests_app.test_desk import act

pytestmark = pytest.mark.django_db

STAFF_NOTE = "Pulling from stacks; LC copy 2"


def test_a_library_message_reaches_the_timeline_and_the_office_by_email(
    portal: Client, institution: Institution, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution, patron_ref="TN:4711")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = portal.post(
            reverse("requests:message", args=[item.pk]), {"text": "Can you send it by Friday?"}
        )
    assert response.status_code == 302
    page = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "Message from the library: Can you send it by Friday?" in page
    [message] = mail.outbox
    assert message.to == [settings.OFFICE_EMAIL]
    assert "Can you send it by Friday?" in message.body
    assert f"/desk/{item.pk}/" in message.body and "TN:4711" in message.body


def test_an_empty_message_is_a_field_error_and_stores_nothing(
    portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    response = portal.post(reverse("requests:message", args=[item.pk]), {"text": "  "})
    assert response.status_code == 400
    assert 'id="id_text_error"' in response.content.decode()
    assert not RequestEvent.objects.filter(action=Action.LIBRARY_MESSAGE).exists()


def test_a_too_long_message_keeps_the_text_and_says_why(
    portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    text = "x" * 4001
    response = portal.post(reverse("requests:message", args=[item.pk]), {"text": text})
    assert response.status_code == 400
    assert text in response.content.decode()
    assert "at most 4000 characters" in response.content.decode()


def test_the_desk_counts_unread_library_messages_until_staff_open_the_request(
    portal: Client, desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    portal.post(reverse("requests:message", args=[item.pk]), {"text": "Question one"})
    portal.post(reverse("requests:message", args=[item.pk]), {"text": "Question two"})
    queues = desk.get(reverse("desk:queues")).content.decode()
    assert "Unread messages from libraries (1)" in queues
    assert f"Request {item.pk}</a> from {institution.oclc_symbol}: 2 messages" in queues
    desk.get(reverse("desk:detail", args=[item.pk]))
    assert "Unread messages from libraries (0)" in desk.get(reverse("desk:queues")).content.decode()


def test_an_office_message_is_emailed_to_the_library_with_the_conversation(
    desk: Client, portal: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_copy(institution)
    portal.post(reverse("requests:message", args=[item.pk]), {"text": "Is volume 12 held?"})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, item, "message", text="Yes, volume 12 is on the shelf.")
    [message] = mail.outbox
    assert message.to == [institution.email]
    assert message.subject == f"Copy request {item.pk}: a message from the office"
    assert "Yes, volume 12 is on the shelf." in message.body
    assert "Is volume 12 held?" in message.body


def _with_every_staff_only_event(institution: Institution, staff: Any) -> Any:
    item = make_copy(institution)
    services.claim_request(item, acting_user=staff)
    services.accept_request(item, seen="new", note=STAFF_NOTE, acting_user=staff)
    services.add_staff_note(item, text="Second " + STAFF_NOTE, acting_user=staff)
    services.record_email_failure(item.pk, "request-received", reason="mailbox full")
    return item


def test_staff_only_events_never_appear_on_a_library_page(
    portal: Client, institution: Institution, staff: Any
) -> None:
    item = _with_every_staff_only_event(institution, staff)
    pages = [
        reverse("requests:dashboard"),
        reverse("requests:list"),
        reverse("requests:detail", args=[item.pk]),
        reverse("requests:cancel", args=[item.pk]),
    ]
    for url in pages:
        page = portal.get(url).content.decode()
        assert STAFF_NOTE not in page, url
        assert "Claimed" not in page and "mailbox full" not in page, url
        assert "Staff note" not in page and "Email not delivered" not in page, url


def test_staff_only_events_never_appear_in_a_library_email(
    institution: Institution, staff: Any
) -> None:
    item = _with_every_staff_only_event(institution, staff)
    for name, send in emails.EMAILS.items():
        if name not in emails.TO_OFFICE:
            send(item)
    assert len(mail.outbox) == len(emails.EMAILS) - len(emails.TO_OFFICE)
    for message in mail.outbox:
        html = str(getattr(message, "alternatives", [("", "")])[0][0])
        for part in (message.subject, message.body, html):
            assert STAFF_NOTE not in part and "mailbox full" not in part, message.subject


def test_staff_see_their_notes_on_the_desk(
    desk: Client, institution: Institution, staff: Any
) -> None:
    item = _with_every_staff_only_event(institution, staff)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert f"(staff note: {STAFF_NOTE})" in page
    assert "Claimed" in page


OFFICE = {
    "OFFICE_NAME": "Loan Division, Interlibrary Loan Office",
    "OFFICE_EMAIL": "ill-office@library.example",
    "OFFICE_PHONE": "+1 202 555 0100",
    "OFFICE_ADDRESS": "101 Example Avenue SE\nWashington, DC 20540",
    "OFFICE_HOURS": "Monday to Friday, 8:30 to 16:30",
}


@pytest.fixture
def office(settings: Any) -> dict[str, str]:
    for name, value in OFFICE.items():
        setattr(settings, name, value)
    return OFFICE


def _shows_the_office(text: str) -> bool:
    parts = ["Loan Division", "ill-office@library.example", "+1 202 555 0100"]
    parts += ["101 Example Avenue SE", "Washington, DC 20540", "Monday to Friday"]
    return all(part in text for part in parts)


def test_the_footer_and_the_cancel_page_give_the_office_contact(
    office: Any, portal: Client, institution: Institution, staff: Any
) -> None:
    item = make_copy(institution)
    services.accept_request(item, seen="new", acting_user=staff)
    assert _shows_the_office(portal.get(reverse("home")).content.decode())
    cancel = portal.get(reverse("requests:cancel", args=[item.pk])).content.decode()
    main = cancel.split("<main")[1].split("</main>")[0]
    assert "can no longer be cancelled here" in main and _shows_the_office(main)


def test_every_library_email_is_signed_with_the_office_contact(
    office: Any, institution: Institution
) -> None:
    item = make_copy(institution)
    for name, send in emails.EMAILS.items():
        if name not in emails.TO_OFFICE:
            send(item)
    for message in mail.outbox:
        html = str(getattr(message, "alternatives", [("", "")])[0][0])
        assert _shows_the_office(str(message.body)) and _shows_the_office(html), message.subject


def test_a_staff_note_from_the_desk_stays_on_the_desk(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    response = act(desk, item, "note", text="Ask Ruth about the microfilm")
    assert response.status_code == 302
    assert (
        "Ask Ruth about the microfilm"
        in desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    )
    page = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "Ask Ruth" not in page and mail.outbox == []


def test_a_delivered_copy_is_announced_to_the_delivery_email_and_the_default_is_the_contact(
    institution: Institution,
) -> None:
    item = make_copy(institution)
    emails.send_request_filled(item)
    institution.delivery_email = "copies@library.example"
    institution.save()
    emails.send_request_filled(item)
    emails.send_request_refused(item)
    assert [m.to for m in mail.outbox] == [
        [institution.email],
        ["copies@library.example"],
        [institution.email],
    ]


def test_the_staff_home_lists_unread_library_messages(
    desk: Client, institution: Institution
) -> None:
    asked, answered = make_copy(institution), make_copy(institution, issue="8")
    services.record_library_message(asked, text="Is the supplement included?")
    services.record_library_message(answered, text="Thanks")
    services.mark_library_messages_read(answered.pk)
    home = desk.get(reverse("desk:home")).content.decode()
    assert "Unread messages from libraries (1)" in home
    assert f'<a href="{reverse("desk:detail", args=[asked.pk])}">Request {asked.pk}</a>' in home
    assert f"Request {answered.pk}</a>" not in home
    desk.get(reverse("desk:detail", args=[asked.pk]))
    assert "Unread messages from libraries (0)" in desk.get(reverse("desk:home")).content.decode()


def test_the_request_page_shows_the_newest_message_first_and_the_librarys_contact(
    desk: Client, institution: Institution
) -> None:
    institution.phone = "+1 202 555 0100"
    institution.shipping_address = "Interlibrary Loan\nLoading dock B\nSpringfield, IL 62701"
    institution.save()
    item = make_copy(institution)
    services.record_library_message(item, text="First question")
    services.record_library_message(item, text="Is the supplement included?")
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    newest = page.split('<section class="newest-message"')[1].split("</section>")[0]
    assert "from the library" in newest and '<span class="tag">new</span>' in newest
    assert "Is the supplement included?" in newest and "First question" not in newest
    # Above the actions and the timeline.
    assert page.index("newest-message") < page.index('id="actions-heading"')
    contact = page.split('<section class="library-contact"')[1].split("</section>")[0]
    assert institution.contact_name in contact and f"mailto:{institution.email}" in contact
    assert "tel:+1 202 555 0100" in contact
    assert "Interlibrary Loan<br>Loading dock B<br>Springfield, IL 62701" in contact
    again = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert '<span class="tag">new</span>' not in again.split('class="newest-message"')[1]
