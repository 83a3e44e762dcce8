"""The admin's forms pass axe at every impact level, keep to the Content-Security-Policy (no inline
style the browser refuses) and fit a 390 px wide screen without sideways scrolling (issue 26,
item 9): the title-authority group form, the partner form's institution selector, the
registration verification page and the other change forms staff use."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from registration.models import Registration
from tests.e2e.helpers import STAFF_PASSWORD, create_librarian
from tests.registration.factories import RegistrationFactory, directory_record

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

PHONE = {"width": 390, "height": 844}


def _pages() -> list[str]:
    library = create_librarian("NYBKL", "Brooklyn College Library")
    directory_record(
        record_key="DUKE",
        oclc_symbol="NDD",
        isil="US-NcD",
        name="Duke University Libraries",
        city="Durham",
        region="NC",
        postal_code="27708",
    )
    registration: Registration = RegistrationFactory.create(
        oclc_symbol="NYP",
        isil="US-NcD",
        name="Duke University Libraries",
        city="Durham",
        region="NC",
        postal_code="27708",
    )
    reregistration: Registration = RegistrationFactory.create(
        oclc_symbol="NYBKL", name=library.name, shipping_address="Unit 9, 1 Dock Road"
    )
    return [
        "/admin/copyright_rules/titlegroup/add/",
        "/admin/requests_app/isopartner/add/",
        f"/admin/registration/registration/{registration.pk}/change/",
        f"/admin/registration/registration/{reregistration.pk}/change/",
        f"/admin/registration/institution/{library.pk}/change/",
        "/admin/registration/registration/",
    ]


def _log_in(page: Any) -> None:
    get_user_model().objects.create_superuser("chief", "chief@loc.invalid", STAFF_PASSWORD)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/")


def test_admin_forms_pass_axe_at_every_impact_and_keep_to_the_csp(
    new_context: Any, audit: Any
) -> None:
    paths = _pages()
    page = new_context().new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    _log_in(page)
    # First the pages as staff load them (axe injects a <style> of its own, which the policy
    # rightly refuses), then axe.
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert refused == [], "\n".join(refused)
    for path in paths:
        page.goto(path)
        audit.check(page, f"admin {path}", every_impact=True)
    audit.assert_clean()


def test_the_registration_page_fits_a_phone_without_sideways_scrolling(new_context: Any) -> None:
    paths = _pages()
    page = new_context(viewport=PHONE).new_page()
    _log_in(page)
    wide: dict[str, int] = {}
    for path in paths[2:5]:
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide[path] = overflow
    assert wide == {}
