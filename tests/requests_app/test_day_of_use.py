"""What a day of use of the portal and the desk showed: the wording of a copyright decision as
the library and staff read it (docs/copyright.md sections 3 and 5)."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from copyright_rules.facts import Flag
from copyright_rules.keys import normalize_title
from registration.models import Institution
from requests_app.models import Request, Status
from requests_app.wording import FLAGS, staff_flag
from tests.requests_app.test_desk import act
from tests.requests_app.test_no_way_round_the_count import COPY, CRL, _copies, _latest
from tests.requests_app.test_rights_review import FSA_PHOTOGRAPH, _order

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


@pytest.mark.parametrize(
    ("cited", "said"),
    [
        # Cited with an ISSN not in the authority, then as written without it.
        ("Integrative Biology", "'Integrative Biology' is spelled the same as a title"),
        ("Coll Res Libr", "'Coll Res Libr' may be an abbreviation of a title"),
        ("Colege & Research Libraries", "is spelled much like a title counted separately"),
    ],
)
def test_a_title_to_confirm_says_how_the_titles_match_not_their_normalized_form(
    portal: Client, desk: Client, cited: str, said: str
) -> None:
    """Ruling 6's explanation names the kind of match, never the normalized other title
    ("matches 'integrative biology'" read as nonsense to a librarian)."""
    journal = "Integrative Biology" if cited == "Integrative Biology" else CRL["title"]
    _copies(portal, 1, title=journal, issn="1757-9694")
    portal.post(reverse("requests:new_copy"), {**COPY, "title": cited, "issn": ""})
    held = _latest()
    assert held.record.key_to_confirm

    for client, address in ((portal, "requests:detail"), (desk, "desk:detail")):
        page = unescape(client.get(reverse(address, args=[held.pk])).content.decode())
        assert said in page
        assert " matches " not in page and f"'{normalize_title(journal)}'" not in page


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


def test_the_desk_opens_an_order_held_for_the_rights_review(portal: Client, desk: Client) -> None:
    held = _order(portal, FSA_PHOTOGRAPH)
    assert held.record.rights_to_review
    response = desk.get(reverse("desk:detail", args=[held.pk]))
    assert response.status_code == 200
    assert "Flags: rights to be reviewed by staff." in response.content.decode()


def test_the_desk_opens_a_copy_with_a_permission_to_confirm(portal: Client, desk: Client) -> None:
    _copies(portal, 5)
    portal.post(reverse("requests:new_copy"), {**COPY, "permission_reference": "CCC 9931"})
    held = _latest()
    assert held.record.permission_to_confirm
    response = desk.get(reverse("desk:detail", args=[held.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "the library&#x27;s permission reference to be confirmed by staff" in page


@pytest.mark.parametrize("flag", list(Flag))
def test_every_flag_has_staff_wording(flag: Flag) -> None:
    assert flag in FLAGS and staff_flag(flag) == FLAGS[flag]


def test_a_page_not_found_is_the_site_s_own_page(desk: Client) -> None:
    """A band asked for a copy request (bands are for loans) is not found: the page keeps the
    site's landmarks, navigation and a way on, like every other page."""
    response = desk.get("/desk/999999/band/")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<main id="main"' in page and "Page not found" in page
    assert 'href="/desk/"' in page


def test_the_desk_speaks_about_the_library_s_permission_not_to_it(
    portal: Client, desk: Client, institution: Institution
) -> None:
    _copies(portal, 5)
    portal.post(reverse("requests:new_copy"), {**COPY, "permission_reference": "CCC 9931"})
    held = _latest()
    symbol = institution.oclc_symbol
    detail = desk.get(reverse("desk:detail", args=[held.pk])).content.decode()
    queue = desk.get(reverse("desk:queues"), {"queue": "clearance"}).content.decode()
    for page in (detail, queue):
        assert "Your permission reference" not in page
        assert f"{symbol}&#x27;s permission reference CCC 9931 waits for office staff" in page
    # The library still reads its own sentence.
    library = portal.get(reverse("requests:detail", args=[held.pk])).content.decode()
    assert "Your permission reference CCC 9931 waits for office staff" in library


def test_a_reproduction_order_is_not_told_what_statement_it_gave(
    portal: Client, desk: Client
) -> None:
    """The order form asks no copyright statement, so after the rights review the library is
    not told "You said CCG" (docs/copyright.md section 3 concerns copy requests)."""
    held = _order(portal, FSA_PHOTOGRAPH)
    act(desk, held, "rights", kind="public_domain", note="An FSA photograph: a federal work.")
    held.refresh_from_db()
    assert held.record.latest_decision is not None
    assert held.record.latest_decision.outcome == "ACCEPT_CCL"
    page = portal.get(reverse("requests:detail", args=[held.pk])).content.decode()
    assert "Staff found the material in the public domain" in page
    assert "You said" not in page
