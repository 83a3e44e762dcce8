"""The registration's error summary (each problem a link to its field) and its confirmation page
(a reference, the usual time, the office's contact)."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registration.models import Registration

pytestmark = pytest.mark.django_db


def test_the_error_summary_names_each_problem_and_links_to_its_field(
    client: Client, registration_form: dict[str, Any]
) -> None:
    data = {**registration_form, "oclc_symbol": "", "email": "not-an-email"}
    data.pop("accept_terms", None)
    page = client.post(reverse("registration:register"), data).content.decode()
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'<a href="#(id_[a-z_]+)">([^<]+)</a>', summary)
    assert {target for target, _ in links} == {"id_oclc_symbol", "id_email", "id_accept_terms"}
    assert all(f'id="{target}"' in page for target, _ in links)
    assert "these 3 problems" in summary and "data-error-summary" in page
    assert "js/error-summary.js" in page


def test_the_confirmation_gives_the_reference_the_usual_time_and_the_contact(
    client: Client, registration_form: dict[str, Any], settings: Any
) -> None:
    settings.REGISTRATION_VERIFY_DAYS = 4
    settings.OFFICE_PHONE = "+1 202 555 0100"
    client.post(reverse("registration:register"), registration_form)
    registration = Registration.objects.get()
    page = client.get(reverse("registration:received")).content.decode()
    main = page.split("<main")[1].split("</main>")[0]
    assert f"<strong>{registration.reference}</strong>" in main
    assert registration.reference == f"REG-{registration.pk:06d}"
    assert "within 4 working days" in main
    assert settings.OFFICE_EMAIL in main and "+1 202 555 0100" in main


def test_another_browser_sees_no_reference(client: Client, registration_form: Any) -> None:
    client.post(reverse("registration:register"), registration_form)
    page = Client().get(reverse("registration:received")).content.decode()
    assert "REG-" not in page


def test_shipping_address_and_delivery_email_are_asked_separately_and_optional(
    client: Client, registration_form: dict[str, Any]
) -> None:
    page = client.get(reverse("registration:register")).content.decode()
    assert 'name="shipping_address"' in page and 'name="delivery_email"' in page
    client.post(reverse("registration:register"), registration_form)
    registration = Registration.objects.get()
    assert (registration.shipping_address, registration.delivery_email) == ("", "")


def test_a_bad_delivery_email_is_a_field_error(
    client: Client, registration_form: dict[str, Any]
) -> None:
    data = {**registration_form, "delivery_email": "not an address"}
    page = client.post(reverse("registration:register"), data).content.decode()
    assert 'id="id_delivery_email_error"' in page and 'href="#id_delivery_email"' in page
    assert not Registration.objects.exists()


def test_approval_gives_the_institution_its_shipping_address_and_delivery_email(
    client: Client, registration_form: dict[str, Any]
) -> None:
    from registration import services
    from tests.factories import make_staff

    data = {
        **registration_form,
        "shipping_address": "ILL Office, Loading Dock B\n1 Library Way\nSpringfield, IL 62701",
        "delivery_email": "copies@library.example",
    }
    client.post(reverse("registration:register"), data)
    approved = services.approve_registration(Registration.objects.get(), acting_user=make_staff())
    institution = approved.institution
    assert institution is not None
    assert institution.shipping_address.startswith("ILL Office, Loading Dock B")
    assert institution.electronic_delivery_email == "copies@library.example"


def _input(page: str, name: str) -> str:
    (tag,) = re.findall(rf'<input [^>]*name="{name}"[^>]*>', page)
    return tag


def test_each_detail_says_what_it_holds_so_browsers_can_fill_it_in(client: Client) -> None:
    """WCAG 2.2 1.3.5 (Identify Input Purpose); the honeypot is never filled in, nor reached by
    the keyboard."""
    page = client.get(reverse("registration:register")).content.decode()
    purposes = {
        "name": "organization",
        "street": "street-address",
        "city": "address-level2",
        "region": "address-level1",
        "postal_code": "postal-code",
        "country": "country-name",
        "contact_name": "name",
        "email": "email",
        "phone": "tel",
    }
    for name, purpose in purposes.items():
        assert f'autocomplete="{purpose}"' in _input(page, name), name
    assert 'type="email"' in _input(page, "email")
    assert 'maxlength="200"' in _input(page, "name")
    honeypot = _input(page, "website")
    assert 'autocomplete="off"' in honeypot and 'tabindex="-1"' in honeypot
