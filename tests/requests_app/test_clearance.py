"""Copy requests held for copyright permission, and how they leave the clearance queue."""

import pytest
from django.test import Client
from django.urls import reverse

from registration.models import Institution
from requests_app.models import Request, Status
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(institution: Institution) -> Request:
    for n in range(5):
        make_copy(institution, article_title=f"Article {n}", issue=str(n))
    sixth = make_copy(institution, article_title="Article 6", issue="6")
    assert sixth.status == Status.AWAITING_CLEARANCE
    return sixth


def test_institution_records_a_permission_and_the_request_is_accepted(
    portal: Client, held: Request
) -> None:
    url = reverse("requests:permission", args=[held.pk])
    portal.post(url, {"seen_status": "awaiting_clearance", "reference": "CCC-123", "fee": "12.50"})
    held.refresh_from_db()
    assert (held.status, held.record.outcome, held.record.permission_reference) == (
        Status.NEW,
        "ACCEPT_CCG",
        "CCC-123",
    )


def test_staff_determination_accepts_as_ccl(desk: Client, held: Request) -> None:
    url = reverse("desk:act", args=[held.pk, "determination"])
    desk.post(url, {"seen_status": "awaiting_clearance", "kind": "s108e", "note": "Out of print"})
    held.refresh_from_db()
    assert (held.status, held.record.outcome) == (Status.NEW, "ACCEPT_CCL")


def test_staff_refuses_a_held_request_with_a_reason(desk: Client, held: Request) -> None:
    url = reverse("desk:act", args=[held.pk, "refuse"])
    desk.post(
        url, {"seen_status": "awaiting_clearance", "refusal_reason": "copyright", "confirm": "on"}
    )
    held.refresh_from_db()
    assert (held.status, held.record.status) == (Status.REFUSED, "refused")


def test_clearance_queue_says_which_copy_it_would_be(desk: Client, held: Request) -> None:
    page = desk.get(f"{reverse('desk:queues')}?queue=clearance").content.decode()
    assert "Would be copy #6" in page


def test_clearance_queue_links_the_counted_prior_requests(
    desk: Client, held: Request, institution: Institution
) -> None:
    page = desk.get(f"{reverse('desk:queues')}?queue=clearance").content.decode()
    priors = Request.objects.exclude(pk=held.pk)
    assert all(reverse("desk:detail", args=[p.pk]) in page for p in priors)


def test_held_request_is_waiting_for_the_institution(portal: Client, held: Request) -> None:
    page = portal.get(reverse("requests:dashboard")).content.decode()
    assert reverse("requests:detail", args=[held.pk]) in page


def test_permission_on_a_request_that_is_not_held_changes_nothing(
    portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    url = reverse("requests:permission", args=[item.pk])
    portal.post(url, {"seen_status": "awaiting_clearance", "reference": "CCC-1"})
    item.refresh_from_db()
    assert item.record.permission_reference == ""
