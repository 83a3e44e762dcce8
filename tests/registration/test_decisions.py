"""Deciding a registration as the registrant meets it (issue 26, item 8): a rejection is emailed
with its reason; a request for more information carries a signed link to a form that updates the
pending registration, on record; a second registration for a symbol is flagged to staff and to the
registrant; the reference is listed and searchable; the decisions come first, and a rejection must
be confirmed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from registration.models import Registration, RegistrationEvent
from registration.services import UPDATE_LINK_MAX_AGE
from tests.registration.factories import RegistrationFactory
from tests.registration.helpers import decide

pytestmark = pytest.mark.django_db

UPDATE_LINK = re.compile(r"https?://\S+/register/update/\S+/")


def _change_url(registration: Registration) -> str:
    return reverse("admin:registration_registration_change", args=[registration.pk])


def _ask_for_information(admin_client: Client, registration: Registration, capture: Any) -> str:
    with capture(execute=True):
        decide(admin_client, registration, "request-info", "Which department handles ILL?")
    found = UPDATE_LINK.search(str(mail.outbox[-1].body))
    assert found, "the email carries the update link"
    return found.group(0)


def test_a_rejection_is_emailed_to_the_registrant_with_its_reason(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    registration = RegistrationFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        decide(admin_client, registration, "reject", "Not a library: a bookshop.")
    [message] = mail.outbox
    assert message.to == [registration.email]
    assert "not approved" in message.subject
    assert "Not a library: a bookshop." in str(message.body)
    assert registration.reference in str(message.body)


def test_a_rejection_without_its_confirmation_changes_nothing(admin_client: Client) -> None:
    registration = RegistrationFactory.create()
    url = reverse("admin:registration_registration_decide", args=[registration.pk, "reject"])
    response = admin_client.post(url, {"text": "Not a library."}, follow=True)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PENDING
    assert "Tick the box to confirm the rejection" in response.content.decode()


def test_the_information_link_updates_the_registration_on_record(
    admin_client: Client, registration_form: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    Client().post(reverse("registration:register"), registration_form)
    registration = Registration.objects.get()
    link = _ask_for_information(admin_client, registration, django_capture_on_commit_callbacks)
    path = link.split("://", 1)[1].split("/", 1)[1]
    registrant = Client()

    page = registrant.get(f"/{path}").content.decode()
    assert 'value="742 Evergreen Terrace"' in page and registration.reference in page
    answer = {**registration_form, "department": "Resource Sharing", "message": "ILL is ours."}
    response = registrant.post(f"/{path}", answer)

    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.department) == ("pending", "Resource Sharing")
    event = registration.events.get(action=RegistrationEvent.Action.REGISTRANT_UPDATED)
    assert event.actor is None
    assert "ILL is ours." in event.text
    assert "department: Interlibrary Loan -> Resource Sharing" in event.text
    shown = admin_client.get(_change_url(registration)).content.decode()
    assert "Updated by the registrant</strong> by the registrant" in shown
    # The answer is in: the link no longer opens the registration.
    assert registrant.get(f"/{path}").status_code == 404


def test_the_information_link_refuses_bad_input_next_to_the_field_and_keeps_it_open(
    admin_client: Client, registration_form: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    Client().post(reverse("registration:register"), registration_form)
    registration = Registration.objects.get()
    link = _ask_for_information(admin_client, registration, django_capture_on_commit_callbacks)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    response = Client().post(path, {**registration_form, "phone": "12"})

    assert response.status_code == 200
    assert "Enter a phone number with its area code." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "needs_info" and registration.phone == "217-555-0100"


def test_a_forged_or_expired_information_link_opens_nothing(
    admin_client: Client, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    registration = RegistrationFactory.create()
    link = _ask_for_information(admin_client, registration, django_capture_on_commit_callbacks)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert Client().get(path.replace("/update/", "/update/x")).status_code == 404

    from django.core import signing

    expired = signing.dumps(registration.pk, salt="registration.update")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing, "time", _LaterTime(UPDATE_LINK_MAX_AGE.total_seconds() + 60))
        assert Client().get(reverse("registration:update", args=[expired])).status_code == 404


class _LaterTime:
    """`time.time` as it will be `seconds` from now: how an old link is checked."""

    def __init__(self, seconds: float) -> None:
        import time

        self._at = time.time() + seconds

    def time(self) -> float:
        return self._at


def test_a_second_registration_for_a_symbol_is_flagged_to_registrant_and_staff(
    admin_client: Client, registration_form: dict[str, Any]
) -> None:
    Client().post(reverse("registration:register"), registration_form)
    second = Client()
    response = second.post(
        reverse("registration:register"), {**registration_form, "email": "other@spl.example"}
    )
    page = " ".join(second.get(response["Location"]).content.decode().split())
    assert "already has a registration waiting for verification" in page

    first, latest = Registration.objects.order_by("pk")
    listing = admin_client.get(reverse("admin:registration_registration_changelist"))
    content = listing.content.decode()
    assert content.count("1 other open") == 2
    shown = admin_client.get(_change_url(first)).content.decode()
    assert "SPL has 1 other open registration" in shown and latest.reference in shown


def test_the_reference_is_listed_and_finds_its_registration(admin_client: Client) -> None:
    wanted = RegistrationFactory.create()
    RegistrationFactory.create()
    url = reverse("admin:registration_registration_changelist")
    assert wanted.reference in admin_client.get(url).content.decode()
    for term in (wanted.reference, wanted.reference.lower(), f"REG-{wanted.pk}"):
        listed = admin_client.get(url, {"q": term}).context["cl"].result_list
        assert list(listed) == [wanted], term


def test_the_decisions_come_before_the_submitted_fields_and_reject_is_marked(
    admin_client: Client,
) -> None:
    registration = RegistrationFactory.create()
    page = admin_client.get(_change_url(registration)).content.decode()
    assert page.index("Approve and email credentials") < page.index("The registration as submitted")
    assert 'class="button button-danger">Reject the registration' in page
    assert 'name="confirm_rejection" id="id_confirm_rejection" value="on" required' in page
