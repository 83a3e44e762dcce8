"""What the library and staff are told about the count (docs/copyright.md sections 3-5 and 10):
the statement actually recorded, the patron of the one-article-per-issue rule, the requests a
held copy was counted against and what the library can do, and the compliance report's titles."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from copyright_rules.models import Decision
from registration.models import Institution
from requests_app.models import Request, Status
from tests.copyright_rules.test_reports import copies
from tests.requests_app.factories import make_copy
from tests.requests_app.iso18626.helpers import copy_request, make_partner, post
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db


def _decision(item: Request) -> Decision:
    decision = item.record.latest_decision
    assert decision is not None
    return decision


BOOK_CHAPTER = {
    "work_kind": "non_periodical",
    "title": "The Structure of Scientific Revolutions",
    "isbn": "9780226458083",
    "author": "Kuhn, Thomas S.",
    "article_title": "The Route to Normal Science",
    "publication_date": "2012",
    "pages": "10-22",
    "total_pages": "264",
    "extent": "part",
    "material": "text",
    "purpose": "research",
    "statement": "CCL",
    "basis": "fair_use",
    "note": "For a seminar reading.",
}


def _submit(portal: Client, post: dict[str, str], capture: Any) -> tuple[Request, str]:
    with capture(execute=True):
        response = portal.post(reverse("requests:new_copy"), post, follow=True)
    return Request.objects.latest("pk"), response.content.decode()


# --- item 10: the statement recorded --------------------------------------------------------


def test_a_ccg_request_recorded_as_ccl_says_why_on_the_page_and_in_the_email(
    portal: Client, django_capture_on_commit_callbacks: Any
) -> None:
    old = {**COPY_POST, "publication_date": "2009-05"}

    item, page = _submit(portal, old, django_capture_on_commit_callbacks)

    assert _decision(item).rule == "R9"
    said = "You said CCG; recorded as CCL because the issue was published more than five years"
    assert said in page and said in mail.outbox[-1].body
    assert "Accepted on your copyright statement" not in page


def test_a_ccl_book_chapter_counted_under_ccg_says_so(
    portal: Client, django_capture_on_commit_callbacks: Any
) -> None:
    item, page = _submit(portal, BOOK_CHAPTER, django_capture_on_commit_callbacks)

    assert (item.record.outcome, item.record.counted) == ("ACCEPT_CCG", True)
    said = "You said CCL; recorded as CCG because a part of a book or other work"
    assert said in page and said in mail.outbox[-1].body


def test_a_statement_recorded_as_given_adds_nothing(portal: Client) -> None:
    page = portal.post(reverse("requests:new_copy"), COPY_POST, follow=True).content.decode()
    assert "You said" not in page


# --- item 11: the patron identifier ---------------------------------------------------------


def _same_issue(portal: Client, article: str, **fields: str) -> Request:
    portal.post(reverse("requests:new_copy"), {**COPY_POST, "article_title": article, **fields})
    return Request.objects.latest("pk")


def test_transaction_numbers_as_references_and_one_patron_fire_r7(portal: Client) -> None:
    _same_issue(portal, "First article", patron_ref="TN:1001", patron_id="P-77")

    second = _same_issue(portal, "Second article", patron_ref="TN:1002", patron_id="P-77")

    assert (second.status, _decision(second).rule) == (Status.AWAITING_CLEARANCE, "R7")
    assert (second.patron_ref, second.patron_id) == ("TN:1002", "P-77")


def test_one_reference_for_two_patrons_does_not_fire_r7(portal: Client) -> None:
    _same_issue(portal, "First article", patron_ref="COURSE-12", patron_id="P-1")

    second = _same_issue(portal, "Second article", patron_ref="COURSE-12", patron_id="P-2")

    assert (second.status, _decision(second).rule) == (Status.NEW, "R10")


def test_the_form_asks_for_the_patron_identifier_apart_from_the_reference(
    portal: Client,
) -> None:
    page = portal.get(reverse("requests:new_copy")).content.decode()
    assert '<label for="id_patron_id"' in page and '<label for="id_patron_ref"' in page


def test_iso_patron_id_is_the_patron_identifier(client: Client, institution: Institution) -> None:
    make_partner(institution)

    post(client, copy_request("iso-1", article="First", patron="P-9"))

    created = Request.objects.get()
    assert (created.patron_id, created.patron_ref) == ("P-9", "")
    assert created.record.citation["patron_ref"] == "P-9"


# --- item 12: explaining the count ----------------------------------------------------------


def test_a_held_copy_links_the_counted_requests_and_says_what_to_do(
    portal: Client, institution: Institution
) -> None:
    counted = [make_copy(institution, article_title=f"A{n}", issue=str(n)) for n in range(5)]

    portal.post(reverse("requests:new_copy"), {**COPY_POST, "issue": "9"})
    sixth = Request.objects.latest("pk")
    page = portal.get(reverse("requests:detail", args=[sixth.pk])).content.decode()

    for each in counted:
        assert f'href="{reverse("requests:detail", args=[each.pk])}"' in page
    assert "This would be copy 6" in page
    for way in ("Record a permission", "Wait: if one of the counted requests", "Cancel"):
        assert way in page


def test_a_held_copy_lists_only_its_own_institutions_requests(
    portal: Client, institution: Institution, other_institution: Institution
) -> None:
    for n in range(5):
        make_copy(institution, article_title=f"A{n}", issue=str(n))
    foreign = make_copy(other_institution, article_title="Theirs")

    portal.post(reverse("requests:new_copy"), {**COPY_POST, "issue": "9"})
    page = portal.get(reverse("requests:detail", args=[Request.objects.latest("pk").pk]))

    assert reverse("requests:detail", args=[foreign.pk]) not in page.content.decode()


def test_a_cancelled_request_says_it_no_longer_counts(
    portal: Client, django_capture_on_commit_callbacks: Any
) -> None:
    portal.post(reverse("requests:new_copy"), COPY_POST)
    item = Request.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        portal.post(reverse("requests:cancel", args=[item.pk]), {"seen_status": item.status})
    page = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()

    assert "This request no longer counts" in page
    assert "cancelled, it no longer counts" in mail.outbox[-1].body


def test_the_compliance_report_names_the_journal_and_says_over_the_limit(
    admin_client: Client, settings: Any, institution: Institution
) -> None:
    settings.COPYRIGHT_PERIODICAL_LIMIT = 6
    copies(institution, 6, title="College & Research Libraries", issns=["0010-0870"])
    settings.COPYRIGHT_PERIODICAL_LIMIT = 5

    response = admin_client.get(reverse("admin:copyright_compliance"), {"year": "2024"})

    page = response.content.decode()
    assert "College &amp; Research Libraries" in page
    assert "0010-0870 <span" not in page
    assert "over the limit" in page
