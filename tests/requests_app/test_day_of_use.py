"""What a day of use of the portal and the desk showed: the wording of a copyright decision as
the library and staff read it (docs/copyright.md sections 3 and 5)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from requests_app.models import Request, Status
from tests.requests_app.test_no_way_round_the_count import COPY, CRL, _copies, _latest

pytestmark = pytest.mark.django_db


def _held_for_the_title(portal: Client) -> Request:
    """Five copies of College & Research Libraries, then the journal cited by its abbreviation."""
    _copies(portal, 5, **CRL)
    portal.post(reverse("requests:new_copy"), {**COPY, "title": "Coll Res Libr", "issn": ""})
    held = _latest()
    assert held.status == Status.AWAITING_CLEARANCE and held.record.key_to_confirm
    return held


def test_the_clearance_queue_marks_a_title_to_confirm(portal: Client, desk: Client) -> None:
    _held_for_the_title(portal)
    page = desk.get(reverse("desk:queues"), {"queue": "clearance"}).content.decode()
    assert '<strong class="tag">Title to confirm</strong>' in page
    # Which title it is is open, so no copy number is given as if it were known.
    assert "Would be copy #1." not in page


def test_a_title_to_confirm_gives_the_library_no_copy_number(portal: Client) -> None:
    held = _held_for_the_title(portal)
    page = portal.get(reverse("requests:detail", args=[held.pk])).content.decode()
    assert "staff confirm which title this is" in page
    assert "This would be copy 1 of this title" not in page


def test_a_guideline_copy_reads_accepted_under_ccg(portal: Client) -> None:
    (accepted,) = _copies(portal, 1)
    page = portal.get(reverse("requests:detail", args=[accepted.pk])).content.decode()
    assert "Accepted under CCG: within the CONTU guidelines" in page


def test_the_request_page_at_the_desk_gives_no_copy_number_for_a_title_to_confirm(
    portal: Client, desk: Client
) -> None:
    held = _held_for_the_title(portal)
    page = desk.get(reverse("desk:detail", args=[held.pk])).content.decode()
    assert "staff confirm which title this is" in page
    assert "Would be copy #1." not in page
