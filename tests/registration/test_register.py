import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from registration.models import Registration, TermsVersion
from tests.registration.factories import InstitutionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
URL = reverse("registration:register")


def test_form_shows_the_terms_and_the_title_17_statement(client: Client) -> None:
    terms = TermsVersion.current()
    assert terms is not None
    page = client.get(URL).content.decode()
    assert "private study, scholarship, or research" in page
    assert "refuse to accept a copying order" in page
    assert f"version {terms.version}" in page


def test_submission_is_stored_pending_with_terms_version_time_and_ip(
    client: Client, registration_form: dict[str, Any]
) -> None:
    response = client.post(URL, registration_form, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == Registration.Status.PENDING
    assert str(registration.terms_version_id) == registration_form["terms_version"]
    assert registration.terms_accepted_at is not None
    assert registration.ip_address == "198.51.100.7"


def test_symbol_is_upper_cased(client: Client, registration_form: dict[str, Any]) -> None:
    client.post(URL, registration_form)
    assert Registration.objects.get().oclc_symbol == "SPL"


def test_confirmation_says_credentials_come_only_after_verification_and_no_email_is_sent(
    client: Client, registration_form: dict[str, Any]
) -> None:
    page = client.post(URL, registration_form, follow=True).content.decode()
    assert "once the registration is authenticated" in " ".join(page.split())
    assert "the reason if we cannot approve it" in " ".join(page.split())
    assert mail.outbox == []


@pytest.mark.parametrize("symbol", ["AB", "TOOLONG", "DL-C", ""])
def test_bad_symbol_is_an_error_next_to_the_field_and_keeps_what_was_typed(
    client: Client, registration_form: dict[str, Any], symbol: str
) -> None:
    response = client.post(URL, {**registration_form, "oclc_symbol": symbol})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_oclc_symbol_error"' in page
    assert 'value="742 Evergreen Terrace"' in page
    assert not Registration.objects.exists()


def test_marc_code_is_stored_as_a_us_isil(
    client: Client, registration_form: dict[str, Any]
) -> None:
    client.post(URL, {**registration_form, "isil": "NcD"})
    assert Registration.objects.get().isil == "US-NcD"


def test_invalid_isil_is_rejected_next_to_the_field(
    client: Client, registration_form: dict[str, Any]
) -> None:
    page = client.post(URL, {**registration_form, "isil": "not an isil!"}).content.decode()
    assert 'id="id_isil_error"' in page
    assert not Registration.objects.exists()


def test_terms_must_be_accepted(client: Client, registration_form: dict[str, Any]) -> None:
    data = {k: v for k, v in registration_form.items() if k != "accept_terms"}
    page = client.post(URL, data).content.decode()
    assert "Tick the box to accept the terms" in page
    assert not Registration.objects.exists()


def test_honeypot_filled_stores_nothing_but_looks_accepted(
    client: Client, registration_form: dict[str, Any]
) -> None:
    response = client.post(URL, {**registration_form, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not Registration.objects.exists()


def test_submissions_beyond_the_hourly_limit_per_ip_are_refused_and_keep_the_input(
    client: Client, registration_form: dict[str, Any], settings: Any
) -> None:
    settings.REGISTRATION_RATE_LIMIT = 2
    for symbol in ("SPL", "SPX"):
        client.post(URL, {**registration_form, "oclc_symbol": symbol}, REMOTE_ADDR="203.0.113.5")
    refused = client.post(URL, registration_form, REMOTE_ADDR="203.0.113.5")
    assert refused.status_code == 429
    assert 'value="742 Evergreen Terrace"' in refused.content.decode()
    assert Registration.objects.count() == 2


def test_the_same_form_sent_again_is_the_same_registration(
    client: Client, registration_form: dict[str, Any]
) -> None:
    client.post(URL, registration_form)
    again = client.post(URL, registration_form)
    assert again.status_code == 302
    registration = Registration.objects.get()
    assert registration.reference in client.get(again["Location"]).content.decode()


def test_rate_limit_counts_each_ip_separately(
    client: Client, registration_form: dict[str, Any], settings: Any
) -> None:
    settings.REGISTRATION_RATE_LIMIT = 1
    client.post(URL, registration_form, REMOTE_ADDR="203.0.113.5")
    other = client.post(URL, registration_form, REMOTE_ADDR="203.0.113.6")
    assert other.status_code == 302


def test_second_open_registration_for_a_symbol_is_flagged_as_a_duplicate(
    client: Client, registration_form: dict[str, Any]
) -> None:
    first = RegistrationFactory.create(oclc_symbol="SPL")
    client.post(URL, registration_form)
    second = Registration.objects.exclude(pk=first.pk).get()
    assert second.duplicate_of == first


def test_registration_for_an_existing_institution_is_a_reregistration(
    client: Client, registration_form: dict[str, Any]
) -> None:
    InstitutionFactory.create(oclc_symbol="SPL")
    client.post(URL, registration_form)
    assert Registration.objects.get().is_reregistration


def test_submissions_with_errors_do_not_use_up_the_rate_limit(
    client: Client, registration_form: dict[str, Any], settings: Any
) -> None:
    settings.REGISTRATION_RATE_LIMIT = 1
    for _ in range(3):
        client.post(URL, {**registration_form, "oclc_symbol": "X"}, REMOTE_ADDR="203.0.113.5")
    accepted = client.post(URL, registration_form, REMOTE_ADDR="203.0.113.5")
    assert accepted.status_code == 302


def test_form_publishes_the_first_terms_when_none_exist(client: Client) -> None:
    Registration.objects.all().delete()
    TermsVersion.objects.all().delete()
    page = client.get(URL).content.decode()
    assert "refuse to accept a copying order" in page
    assert TermsVersion.objects.get().version == 1


def test_superseded_terms_cannot_be_accepted(
    client: Client, registration_form: dict[str, Any]
) -> None:
    old = TermsVersion.objects.get(pk=registration_form["terms_version"])
    new = TermsVersion.objects.create(version=old.version + 1, terms="New terms.")

    response = client.post(reverse("registration:register"), registration_form)

    page = response.content.decode()
    assert response.status_code == 200
    assert not Registration.objects.exists()
    assert f"The terms were updated (to version {new.version})" in page
    assert f'name="terms_version" value="{new.pk}"' in page
    checkbox = re.search(r"<input[^>]*name=\"accept_terms\"[^>]*>", page)
    assert checkbox is not None and "checked" not in checkbox.group(0)
    client.post(reverse("registration:register"), {**registration_form, "terms_version": new.pk})
    assert Registration.objects.get().terms_version == new


def test_a_symbol_that_is_a_staff_username_is_refused(
    client: Client, registration_form: dict[str, Any], django_user_model: Any
) -> None:
    django_user_model.objects.create_user("staff", password=None, is_staff=True)
    response = client.post(URL, {**registration_form, "oclc_symbol": "STAFF"})
    assert response.status_code == 200
    assert "This symbol cannot be registered online" in response.content.decode()
    assert not Registration.objects.exists()


def test_terms_version_in_non_ascii_digits_is_refused(
    client: Client, registration_form: dict[str, Any]
) -> None:
    arabic = registration_form["terms_version"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = client.post(URL, {**registration_form, "terms_version": arabic})
    assert response.status_code == 200
    assert not Registration.objects.exists()
