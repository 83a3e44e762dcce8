from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse

from registration.models import (
    Institution,
    OutboxMessage,
    Registration,
    RegistrationEvent,
    TermsVersion,
)
from tests.registration.factories import InstitutionFactory, RegistrationFactory, directory_record
from tests.registration.helpers import decide

pytestmark = pytest.mark.django_db


def change_url(registration: Registration) -> str:
    return reverse("admin:registration_registration_change", args=[registration.pk])


def test_changelist_lists_pending_registrations_first(admin_client: Client) -> None:
    rejected = RegistrationFactory.create(status="rejected", rejection_reason="spam")
    pending = RegistrationFactory.create()
    RegistrationFactory.create(status="rejected", rejection_reason="spam")
    response = admin_client.get(reverse("admin:registration_registration_changelist"))
    listed = list(response.context["cl"].result_list)
    assert listed[0] == pending
    assert rejected in listed


def test_change_page_shows_the_exact_symbol_match_before_fuzzy_ones(admin_client: Client) -> None:
    registration = RegistrationFactory.create(oclc_symbol="SPL")
    directory_record(record_key="F1", name="Springfield Public Library", postal_code="62701")
    directory_record(oclc_symbol="SPL", name="Springfield City Library", city="Springfield")
    candidates = admin_client.get(change_url(registration)).context["candidates"]
    assert candidates[0].record.oclc_symbol == "SPL"
    assert candidates[0].exact_identifier
    assert candidates[1].record.record_key == "F1"


def test_change_page_shows_which_fields_agree_and_differ(admin_client: Client) -> None:
    registration = RegistrationFactory.create(postal_code="62701", phone="217-555-0100")
    directory_record(
        record_key="F1", name="Springfield Public Library", postal_code="62701", phone="9999999999"
    )
    page = admin_client.get(change_url(registration)).content.decode()
    assert "agrees" in page
    assert "differs" in page
    assert "score" in page


def test_change_page_query_count_is_bounded(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    registration = RegistrationFactory.create()
    for n in range(30):
        directory_record(record_key=f"K{n}", name=f"Library {n}", city="Springfield")
    RegistrationEvent.objects.create(
        registration=registration, action="note", text="x", actor=User.objects.get()
    )
    with django_assert_max_num_queries(20):
        admin_client.get(change_url(registration))


def test_verification_note_records_who_and_when(admin_client: Client) -> None:
    registration = RegistrationFactory.create()
    url = reverse("admin:registration_registration_note", args=[registration.pk])
    admin_client.post(url, {"text": "Phoned the ILL department, confirmed."})
    note = RegistrationEvent.objects.get()
    assert note.text == "Phoned the ILL department, confirmed."
    assert note.actor_name == "admin"
    assert note.created_at is not None


def test_approval_creates_the_institution_account_and_emails_it(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    registration = RegistrationFactory.create(oclc_symbol="SPL")
    with django_capture_on_commit_callbacks(execute=True):
        decide(admin_client, registration, "approve", "Phoned, confirmed.")
    registration.refresh_from_db()
    institution = Institution.objects.get(oclc_symbol="SPL")
    assert registration.status == "approved"
    assert registration.decided_by is not None
    assert registration.decided_by.username == "admin"
    assert institution.user is not None
    assert institution.user.username == "SPL"
    assert OutboxMessage.objects.get().status == "sent"
    assert mail.outbox[0].to == [registration.email]


def test_rejection_needs_a_reason(admin_client: Client) -> None:
    registration = RegistrationFactory.create()
    decide(admin_client, registration, "reject", "")
    registration.refresh_from_db()
    assert registration.status == "pending"


def test_rejection_keeps_the_reason_and_issues_nothing(admin_client: Client) -> None:
    registration = RegistrationFactory.create()
    decide(admin_client, registration, "reject", "Not a library.")
    registration.refresh_from_db()
    assert registration.status == "rejected"
    assert registration.rejection_reason == "Not a library."
    assert registration.events.get().action == "rejected"
    assert not Institution.objects.exists()
    assert mail.outbox == []


def test_asking_for_more_information_keeps_it_open(admin_client: Client) -> None:
    registration = RegistrationFactory.create()
    decide(admin_client, registration, "request-info", "Which department handles ILL?")
    registration.refresh_from_db()
    assert registration.status == "needs_info"
    assert registration.is_open


def test_a_decided_registration_cannot_be_approved_again(admin_client: Client) -> None:
    registration = RegistrationFactory.create()
    decide(admin_client, registration, "reject", "Not a library.")
    response = decide(admin_client, registration, "approve")
    registration.refresh_from_db()
    assert registration.status == "rejected"
    assert response.status_code == 302
    assert not OutboxMessage.objects.filter(email=OutboxMessage.CREDENTIALS).exists()


def test_staff_without_change_permission_cannot_decide(client: Client) -> None:
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(viewer)
    registration = RegistrationFactory.create()
    response = decide(client, registration, "approve")
    registration.refresh_from_db()
    assert response.status_code == 403
    assert registration.status == "pending"


def test_decisions_need_post(admin_client: Client) -> None:
    registration = RegistrationFactory.create()
    url = reverse("admin:registration_registration_decide", args=[registration.pk, "approve"])
    assert admin_client.get(url).status_code == 405


def test_delivery_status_is_listed_for_staff(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    registration = RegistrationFactory.create(oclc_symbol="SPL")
    with django_capture_on_commit_callbacks(execute=True):
        decide(admin_client, registration, "approve")
    page = admin_client.get(reverse("admin:registration_institution_changelist")).content
    assert b"Sent" in page
    deliveries = admin_client.get(reverse("admin:registration_outboxmessage_changelist"))
    assert b"SPL" in deliveries.content


def test_staff_publish_a_new_terms_version_and_old_ones_stay_as_accepted(
    admin_client: Client,
) -> None:
    first = TermsVersion.current()
    assert first is not None
    admin_client.post(
        reverse("admin:registration_termsversion_add"),
        {"terms": "New terms."},
    )
    current = TermsVersion.current()
    assert current is not None
    assert current.version == first.version + 1
    assert current.published_by is not None
    admin_client.post(
        reverse("admin:registration_termsversion_change", args=[first.pk]),
        {"terms": "Edited."},
    )
    first.refresh_from_db()
    assert first.terms != "Edited."


def test_registration_form_shows_the_newly_published_version(admin_client: Client) -> None:
    TermsVersion.objects.create(version=99, terms="Version 99 terms.")
    page = Client().get(reverse("registration:register")).content.decode()
    assert "Version 99 terms." in page


def test_missing_registration_page_is_not_an_error(admin_client: Client) -> None:
    response = admin_client.get("/admin/registration/registration/999999/change/")
    assert response.status_code == 302


def test_approval_is_refused_when_the_username_belongs_to_another_account(
    admin_client: Client,
) -> None:
    User.objects.create_user("SPL", password=None)
    registration = RegistrationFactory.create(oclc_symbol="SPL")
    response = decide(admin_client, registration, "approve")
    registration.refresh_from_db()
    assert registration.status == "pending"
    assert "belongs to another account" in admin_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("model", ["registration", "institution", "outboxmessage"])
def test_admin_lists_use_a_fixed_number_of_queries(
    admin_client: Client,
    django_assert_max_num_queries: Any,
    model: str,
) -> None:
    for _ in range(15):
        institution = InstitutionFactory.create()
        RegistrationFactory.create(status="approved", institution=institution)
        OutboxMessage.objects.create(email="credentials", institution=institution, status="failed")
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(f"admin:registration_{model}_changelist"))
    assert response.status_code == 200


def test_asking_for_more_information_emails_the_contact_what_is_missing(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    registration = RegistrationFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        decide(admin_client, registration, "request-info", "Which department handles ILL?")
    message = mail.outbox[0]
    assert message.to == [registration.email]
    assert "Which department handles ILL?" in str(message.body)


def test_information_request_that_cannot_be_sent_does_not_break_the_admin(
    admin_client: Client, django_capture_on_commit_callbacks: Any, smtp_server: Any
) -> None:
    smtp_server.inbox.refuse = True
    registration = RegistrationFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(admin_client, registration, "request-info", "Which department?")
    registration.refresh_from_db()
    assert response.status_code == 302
    assert registration.status == "needs_info"


@pytest.mark.parametrize(
    ("phone", "said"),
    [
        ("", "reply to this email, quoting the reference"),
        ("+1 202 555 0100", "telephone the office on +1 202"),
    ],
)
def test_an_information_request_offers_the_telephone_only_when_the_office_has_one(
    admin_client: Client,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    phone: str,
    said: str,
) -> None:
    settings.OFFICE_PHONE = phone
    with django_capture_on_commit_callbacks(execute=True):
        decide(admin_client, RegistrationFactory.create(), "request-info", "Which department?")
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    body = " ".join(str(message.body).split())
    html = " ".join(str(message.alternatives[0][0]).split())
    assert said in body
    assert said in html
    assert f"telephone the office ({settings.OFFICE_EMAIL})" not in body


def _duke() -> None:
    directory_record(
        record_key="DUKE",
        oclc_symbol="NDD",
        isil="US-NcD",
        name="Duke University Libraries",
        street="411 Chapel Drive",
        city="Durham",
        region="NC",
        postal_code="27708",
        phone="919-660-5870",
    )


def _registration_with_dukes_details(symbol: str) -> Registration:
    registration: Registration = RegistrationFactory.create(
        oclc_symbol=symbol,
        isil="US-NcD",
        name="Duke University Libraries",
        street="411 Chapel Drive",
        city="Durham",
        region="NC",
        postal_code="27708",
        phone="919-660-5870",
    )
    return registration


def test_a_symbol_not_the_matched_records_is_the_loudest_thing_and_blocks_approval(
    admin_client: Client,
) -> None:
    """Issue 20, item 16: NYP applied for with Duke's name, address and ISIL."""
    _duke()
    registration = _registration_with_dukes_details("NYP")

    page = admin_client.get(change_url(registration)).content.decode()
    mismatch = page.index("IDENTIFIER MISMATCH")
    assert mismatch < page.index("Approve and email credentials")
    assert "OCLC symbol NYP applied for, NDD in the directory" in page
    assert "Identifier match</strong>" not in page and "IDENTIFIER CONFLICT" in page
    assert 'name="identifiers_acknowledged"' in page

    refused = decide(admin_client, registration, "approve")
    registration.refresh_from_db()
    assert registration.status == "pending"
    assert (
        "acknowledge the identifier mismatch"
        in admin_client.get(refused["Location"]).content.decode()
    )

    url = reverse("admin:registration_registration_decide", args=[registration.pk, "approve"])
    admin_client.post(url, {"text": "", "identifiers_acknowledged": "on"})
    registration.refresh_from_db()
    assert registration.status == "approved"
    event = registration.events.get(action=RegistrationEvent.Action.IDENTIFIERS_ACKNOWLEDGED)
    assert "NYP applied for, NDD in the directory" in event.text


def test_a_symbol_that_agrees_with_the_directory_needs_no_acknowledgement(
    admin_client: Client,
) -> None:
    _duke()
    registration = _registration_with_dukes_details("NDD")
    page = admin_client.get(change_url(registration)).content.decode()
    assert "IDENTIFIER MISMATCH" not in page and "Identifier match</strong>" in page
    decide(admin_client, registration, "approve")
    registration.refresh_from_db()
    assert registration.status == "approved"


def test_name_and_address_of_a_directory_library_with_another_symbol_is_a_mismatch(
    admin_client: Client,
) -> None:
    _duke()
    registration = _registration_with_dukes_details("NYP")
    Registration.objects.filter(pk=registration.pk).update(isil="")
    page = admin_client.get(change_url(registration)).content.decode()
    assert "IDENTIFIER MISMATCH" in page and "same name and address" in page
