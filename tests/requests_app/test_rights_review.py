"""The rights review and a pending permission through the portal and the desk
(docs/copyright.md sections 4 and 5): a reproduction order outside section 108 goes to a rights
review instead of being refused, and a permission reference the library entered waits, held and
uncounted, for staff to confirm it."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from copyright_rules.models import Decision
from registration.models import Institution
from requests_app.models import Request, Status
from tests.requests_app.factories import make_copy
from tests.requests_app.test_desk import act
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db


def _decision(item: Request) -> Decision:
    decision = item.record.latest_decision
    assert decision is not None
    return decision


FSA_PHOTOGRAPH = {
    "reproduction_number": "LC-USF34-9058-C",
    "title": "Migrant Mother, Nipomo, California",
    "author": "Lange, Dorothea",
    "publication_date": "1936",
    "material": "pictorial",
    "reproduction_format": "tiff",
    "quantity": "1",
    "intended_use": "private_study",
    "rights": "unknown",
    "rights_statement": "on",
}
SANBORN_MAP = {
    **FSA_PHOTOGRAPH,
    "reproduction_number": "",
    "digital_id": "g3851gm.g01227188801",
    "title": "Sanborn Fire Insurance Map from Washington, District of Columbia, 1888",
    "author": "Sanborn Map Company",
    "intended_use": "exhibition",
    "credit_line": "Library of Congress, Geography and Map Division",
}


def _order(portal: Client, order: dict[str, str], **changes: str) -> Request:
    response = portal.post(reverse("requests:new_duplication"), {**order, **changes})
    assert response.status_code == 302, response.content.decode()
    return Request.objects.latest("pk")


def _latest(item: Request) -> Any:
    item.refresh_from_db()
    return item.record.latest_decision


@pytest.mark.parametrize("order", [FSA_PHOTOGRAPH, SANBORN_MAP], ids=["photograph", "map"])
def test_an_order_outside_section_108_goes_to_the_rights_review_not_a_refusal(
    portal: Client, order: dict[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        item = _order(portal, order)

    decision = _latest(item)
    assert (item.status, decision.outcome, decision.rule) == (
        Status.AWAITING_CLEARANCE,
        "NEEDS_PERMISSION",
        "O2",
    )
    assert decision.flags == ["rights_to_review"] and not decision.counted
    assert "reviews the rights in the item" in mail.outbox[-1].body
    assert "Refused" not in mail.outbox[-1].body


def test_the_rights_review_records_no_known_restrictions_and_the_quote_follows(
    portal: Client, desk: Client
) -> None:
    item = _order(portal, SANBORN_MAP)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "Record the rights review" in page

    act(desk, item, "rights", kind="no_known_restrictions", note="Published 1888, no notice.")

    decision = _latest(item)
    assert (item.status, decision.outcome, decision.rule) == (Status.NEW, "ACCEPT_CCL", "O1")
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "Send the price quote" in page


def test_the_rights_review_finds_the_public_domain(portal: Client, desk: Client) -> None:
    item = _order(portal, FSA_PHOTOGRAPH)

    act(desk, item, "rights", kind="public_domain", note="FSA/OWI: a US government work.")

    decision = _latest(item)
    assert (decision.outcome, decision.rule, decision.counted) == ("ACCEPT_CCL", "R3", False)


def test_a_rights_review_without_a_note_is_a_field_error(portal: Client, desk: Client) -> None:
    item = _order(portal, FSA_PHOTOGRAPH)

    response = act(desk, item, "rights", kind="public_domain", note="")

    assert response.status_code == 400 and b'id="id_rights_note_error"' in response.content
    assert _latest(item).rule == "O2"


def test_staff_refuse_a_reviewed_order_with_a_reason(portal: Client, desk: Client) -> None:
    item = _order(portal, SANBORN_MAP)
    assert item.status == Status.AWAITING_CLEARANCE

    act(desk, item, "refuse", refusal_reason="copyright", reason="Rights held by X.", confirm="on")

    item.refresh_from_db()
    assert (item.status, item.record.status) == (Status.REFUSED, "refused")


def test_an_order_relying_on_section_108_is_a_copy_and_108i_still_applies(
    portal: Client,
) -> None:
    item = _order(portal, FSA_PHOTOGRAPH, rights="section_108")

    assert (item.status, _latest(item).rule) == (Status.REFUSED, "R5")


def test_section_108_for_an_exhibition_is_a_field_error(portal: Client) -> None:
    response = portal.post(
        reverse("requests:new_duplication"), {**SANBORN_MAP, "rights": "section_108"}
    )
    assert response.status_code == 200 and 'id="id_rights_error"' in response.content.decode()
    assert not Request.objects.exists()


def test_the_clearance_queue_marks_the_rights_review(portal: Client, desk: Client) -> None:
    _order(portal, SANBORN_MAP)
    page = desk.get(reverse("desk:queues"), {"queue": "clearance"}).content.decode()
    assert "Rights review" in page


# --- a permission reference the library entered: pending ----------------------------------


def test_a_publication_order_with_the_rights_holders_permission_waits_for_staff(
    portal: Client,
) -> None:
    item = _order(
        portal,
        SANBORN_MAP,
        intended_use="publication",
        rights="permission",
        permission_reference="Sanborn estate letter 2024-03",
    )

    decision = _latest(item)
    assert (item.status, decision.outcome, decision.rule) == (
        Status.AWAITING_CLEARANCE,
        "NEEDS_PERMISSION",
        "R2",
    )
    assert "permission_to_confirm" in decision.flags


def test_a_library_permission_within_the_five_is_held_and_not_counted(portal: Client) -> None:
    portal.post(reverse("requests:new_copy"), {**COPY_POST, "permission_reference": "CCC 41"})

    item = Request.objects.get()
    assert item.status == Status.AWAITING_CLEARANCE
    assert not item.record.counted
    assert "permission_to_confirm" in _decision(item).flags


def test_the_precheck_says_what_the_decision_will_say(portal: Client) -> None:
    post = {**COPY_POST, "permission_reference": "CCC 41"}

    precheck = portal.post(reverse("requests:precheck"), post).json()
    portal.post(reverse("requests:new_copy"), post)

    decision = _decision(Request.objects.get())
    assert (precheck["outcome"], precheck["explanation"]) == (
        decision.outcome,
        decision.explanation,
    )


def _held_sixth_with_library_permission(portal: Client, institution: Institution) -> Request:
    for n in range(5):
        make_copy(institution, article_title=f"Article {n}", issue=str(n))
    portal.post(reverse("requests:new_copy"), {**COPY_POST, "issue": "9"})
    sixth = Request.objects.latest("pk")
    portal.post(
        reverse("requests:permission", args=[sixth.pk]),
        {"seen_status": sixth.status, "reference": "CCC 9931", "fee": "35.00"},
    )
    return sixth


def test_staff_confirm_a_library_permission_in_one_click(
    portal: Client, desk: Client, institution: Institution
) -> None:
    sixth = _held_sixth_with_library_permission(portal, institution)
    assert "permission_to_confirm" in _latest(sixth).flags

    page = desk.get(reverse("desk:detail", args=[sixth.pk])).content.decode()
    assert 'value="CCC 9931"' in page and 'value="35.00"' in page
    act(desk, sixth, "permission", reference="CCC 9931", fee="35.00")

    decision = _latest(sixth)
    assert (sixth.status, decision.outcome, decision.rule) == (Status.NEW, "ACCEPT_CCG", "R2")
    assert not decision.counted and sixth.record.permission_confirmed


def test_the_clearance_queue_marks_a_permission_to_confirm(
    portal: Client, desk: Client, institution: Institution
) -> None:
    _held_sixth_with_library_permission(portal, institution)
    page = desk.get(reverse("desk:queues"), {"queue": "clearance"}).content.decode()
    assert "Permission to confirm" in page and "CCC 9931" in page
