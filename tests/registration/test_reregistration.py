"""Re-registration is safe by construction: the takeover of a verified institution's account by a
re-registration with another email address (issue 12, defect 1), against a real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from registration.models import Institution, Registration, RegistrationEvent
from tests.registration.factories import InstitutionFactory
from tests.registration.helpers import decide, password_in
from tests.requests_app.factories import make_loan
from tests.services import SmtpServer

pytestmark = pytest.mark.django_db

VERIFIED_EMAIL = "ill@loc.example"
ATTACKER_EMAIL = "mallory@attacker.example"
KNOWN_PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def verified() -> Institution:
    institution: Institution = InstitutionFactory.create(
        oclc_symbol="DLC",
        name="Library of Congress",
        street="101 Independence Ave SE",
        city="Washington",
        region="DC",
        postal_code="20540",
        contact_name="Verified Contact",
        email=VERIFIED_EMAIL,
        phone="202-707-5000",
    )
    assert institution.user is not None
    institution.user.set_password(KNOWN_PASSWORD)
    institution.user.save()
    return institution


def _reregister(
    client: Client, form: dict[str, Any], institution: Institution, **changes: str
) -> Any:
    public = {
        "oclc_symbol": institution.oclc_symbol,
        "name": institution.name,
        "street": institution.street,
        "city": institution.city,
        "region": institution.region,
        "postal_code": institution.postal_code,
        "contact_name": institution.contact_name,
        "phone": institution.phone,
    }
    return client.post(reverse("registration:register"), {**form, **public, **changes})


def _bodies_to(smtp_server: SmtpServer, address: str) -> list[str]:
    bodies = []
    for message in smtp_server.messages:
        if message["To"] == address:
            part = message.get_body(preferencelist=("plain",))
            assert part is not None
            bodies.append(part.get_content())
    return bodies


def test_the_takeover_by_re_registration_fails(
    verified: Institution,
    registration_form: dict[str, Any],
    admin_client: Client,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    library = Client()
    login = {"username": "DLC", "password": KNOWN_PASSWORD}
    assert library.post(reverse("login"), login).status_code == 302
    assert library.get(reverse("requests:dashboard")).status_code == 200

    # The attacker: the library's public symbol, name and address, and their own email.
    with django_capture_on_commit_callbacks(execute=True):
        response = _reregister(Client(), registration_form, verified, email=ATTACKER_EMAIL)
    assert response.status_code == 302
    registration = Registration.objects.get(email=ATTACKER_EMAIL)

    # The verified address is told at once; the notice grants nothing.
    notice = _bodies_to(smtp_server, VERIFIED_EMAIL)
    assert len(notice) == 1 and "different contact email address" in notice[0]
    assert "Password" not in notice[0] and "http" not in notice[0]

    # Staff see the verified contact beside the new one, the difference marked.
    page = admin_client.get(
        reverse("admin:registration_registration_change", args=[registration.pk])
    ).content.decode()
    assert VERIFIED_EMAIL in page and ATTACKER_EMAIL in page
    assert "CHANGED: confirm with the verified contact" in page

    # Staff approve without recording a confirmation of the new address.
    with django_capture_on_commit_callbacks(execute=True):
        approved = decide(admin_client, registration, "approve")
    shown = admin_client.get(approved["Location"]).content.decode()
    assert f"It goes to {VERIFIED_EMAIL}." in shown

    verified.refresh_from_db()
    assert verified.email == VERIFIED_EMAIL
    assert _bodies_to(smtp_server, ATTACKER_EMAIL) == []
    credentials = [m for m in smtp_server.messages if "Password:" in str(m)]
    assert [m["To"] for m in credentials] == [VERIFIED_EMAIL]
    user = User.objects.get(username="DLC")
    assert user.check_password(password_in(credentials[0]))
    # The attacker holds no password; the library's old session ended with the old password.
    assert library.get(reverse("requests:dashboard")).status_code == 302


def test_a_confirmed_new_contact_is_taken_and_the_confirmation_is_on_record(
    verified: Institution,
    registration_form: dict[str, Any],
    admin_client: Client,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    new_email = "new-ill@loc.example"
    with django_capture_on_commit_callbacks(execute=True):
        _reregister(Client(), registration_form, verified, email=new_email)
    registration = Registration.objects.get(email=new_email)
    url = reverse("admin:registration_registration_decide", args=[registration.pk, "approve"])
    confirmation = "Called 202-707-5000 (on record), Verified Contact confirmed the new address."

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"text": "", "contact_confirmation": confirmation})

    verified.refresh_from_db()
    assert verified.email == new_email
    event = registration.events.get(action=RegistrationEvent.Action.CONTACT_CONFIRMED)
    assert event.text == confirmation and event.actor_name == "admin"
    credentials = [m for m in smtp_server.messages if "Password:" in str(m)]
    assert [m["To"] for m in credentials] == [new_email]


def test_without_confirmation_the_verified_phone_and_contact_person_stay_too(
    verified: Institution, registration_form: dict[str, Any], admin_client: Client
) -> None:
    _reregister(
        Client(), registration_form, verified, phone="555-000-1234", contact_name="Somebody Else"
    )
    decide(admin_client, Registration.objects.get(), "approve")
    verified.refresh_from_db()
    assert (verified.phone, verified.contact_name) == ("202-707-5000", "Verified Contact")


def test_approving_one_closes_the_symbols_other_open_registrations(
    verified: Institution, registration_form: dict[str, Any], admin_client: Client
) -> None:
    _reregister(Client(), registration_form, verified, email="first@loc.example")
    _reregister(Client(), registration_form, verified, email=ATTACKER_EMAIL)
    first = Registration.objects.get(email="first@loc.example")
    second = Registration.objects.get(email=ATTACKER_EMAIL)

    decide(admin_client, first, "approve")
    second.refresh_from_db()
    assert second.status == Registration.Status.REJECTED
    assert f"registration {first.pk}" in second.rejection_reason
    assert second.events.filter(action=RegistrationEvent.Action.CLOSED).exists()

    password_before = User.objects.get(username="DLC").password
    decide(admin_client, second, "approve")
    assert User.objects.get(username="DLC").password == password_before


def test_the_change_page_shows_no_comparison_for_a_first_registration(
    registration_form: dict[str, Any], admin_client: Client
) -> None:
    Client().post(reverse("registration:register"), registration_form)
    registration = Registration.objects.get()
    page = admin_client.get(
        reverse("admin:registration_registration_change", args=[registration.pk])
    ).content.decode()
    assert "Re-registration of a verified institution" not in page
    assert "contact_confirmation" not in page


def test_a_new_shipping_address_and_delivery_email_stay_out_until_confirmed(
    verified: Institution,
    registration_form: dict[str, Any],
    admin_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Issue 20, item 15: the library's public details, the newcomer's own shipping address and
    delivery email. Every detail is compared; unconfirmed, loans still ship to the library."""
    Institution.objects.filter(pk=verified.pk).update(
        shipping_address="ILL Loading Dock\n101 Independence Ave SE", delivery_email=VERIFIED_EMAIL
    )
    newcomer = {
        "shipping_address": "Unit 9, 1 Dock Road",
        "delivery_email": ATTACKER_EMAIL,
        "department": verified.department,
    }
    _reregister(Client(), registration_form, verified, email=VERIFIED_EMAIL, **newcomer)
    registration = Registration.objects.get()

    page = admin_client.get(
        reverse("admin:registration_registration_change", args=[registration.pk])
    )
    rows = {title: differs for title, _, _, differs in page.context["contact_rows"]}
    assert rows["shipping address"] and rows["email for electronic delivery"]
    assert not rows["contact email"] and not rows["street"]
    assert "Re-registration with 2 changed details" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        decide(admin_client, registration, "approve")
    verified.refresh_from_db()
    assert verified.shipping_address.startswith("ILL Loading Dock")
    assert verified.electronic_delivery_email == VERIFIED_EMAIL

    loan = make_loan(verified)
    slip = admin_client.get(reverse("desk:slip", args=[loan.pk])).content.decode()
    assert "ILL Loading Dock" in slip and "1 Dock Road" not in slip


def test_confirmed_delivery_details_replace_the_verified_ones(
    verified: Institution, registration_form: dict[str, Any], admin_client: Client
) -> None:
    newcomer = {"shipping_address": "Annex, 2 Second St SE", "delivery_email": "copies@loc.example"}
    _reregister(Client(), registration_form, verified, email=VERIFIED_EMAIL, **newcomer)
    registration = Registration.objects.get()
    url = reverse("admin:registration_registration_decide", args=[registration.pk, "approve"])
    confirmation = "Called 202-707-5000 (on record): the annex is the new ILL dock."

    admin_client.post(url, {"text": "", "contact_confirmation": confirmation})

    verified.refresh_from_db()
    assert verified.shipping_address == "Annex, 2 Second St SE"
    assert verified.electronic_delivery_email == "copies@loc.example"
    assert registration.events.filter(action=RegistrationEvent.Action.CONTACT_CONFIRMED).exists()
