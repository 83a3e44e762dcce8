"""A use restriction set when a loan is shipped reaches the library: on its request page (and in
the shipped email, tests/requests_app/test_event_emails.py), and staff see it on the desk."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from tests.requests_app.factories import make_loan

pytestmark = pytest.mark.django_db


def ship(desk: Client, institution: Institution, **restrictions: str) -> int:
    item = make_loan(institution)
    due = (timezone.localdate() + timedelta(days=21)).isoformat()
    data = {"seen_status": "new", "due_date": due, "pieces": "1", **restrictions}
    assert desk.post(reverse("desk:act", args=[item.pk, "ship"]), data).status_code == 302
    return item.pk


def test_the_library_sees_the_restrictions_and_how_it_travels(
    desk: Client, portal: Client, institution: Institution
) -> None:
    pk = ship(
        desk,
        institution,
        library_use_only="on",
        restriction_note="Do not photocopy the plates",
        carrier="ups",
        tracking_number="1Z999AA10123456784",
    )
    page = portal.get(reverse("requests:detail", args=[pk])).content.decode()
    assert '<h2 id="restrictions-heading">Use restrictions</h2>' in page
    assert "which your library must honour while it is in your care" in page
    assert "<li><strong>Library use only</strong></li>" in page
    assert "<li><strong>Do not photocopy the plates</strong></li>" in page
    assert "Sent by UPS, tracking number 1Z999AA10123456784." in page


def test_staff_see_the_restrictions_on_the_desk(desk: Client, institution: Institution) -> None:
    pk = ship(desk, institution, no_copying="on")
    page = desk.get(reverse("desk:detail", args=[pk])).content.decode()
    assert '<h2 id="restrictions-heading">Use restrictions</h2>' in page
    assert "<li><strong>No copying</strong></li>" in page
    assert "the library sees them on its request page and in the shipped email" in page


def test_a_loan_without_restrictions_shows_no_such_section(
    desk: Client, portal: Client, institution: Institution
) -> None:
    pk = ship(desk, institution)
    for client, page in ((portal, "requests:detail"), (desk, "desk:detail")):
        assert "restrictions-heading" not in client.get(reverse(page, args=[pk])).content.decode()
