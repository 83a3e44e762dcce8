"""The library's list and detail pages: the request type named as the library names it, the
journal beside the article, and copyright decisions in plain language (rule codes on staff pages
only)."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registration.models import Institution
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db

RULE_CODE = re.compile(r"\((?:R\d+|O1)\)")


def _reproduction(institution: Institution) -> Any:
    return make_copy(
        institution,
        is_duplication=True,
        reproduction_number="LC-USZ62-12345",
        title="",
        article_title="",
        issn="",
        facts={"title": "Office holding LC-USZ62-12345"},
    )


def test_the_list_shows_the_journal_beside_the_article(portal: Client, institution: Any) -> None:
    make_copy(institution, article_title="On tests", title="Journal of Testing")
    page = portal.get(reverse("requests:list")).content.decode()
    assert re.search(
        r"On tests<br><span class=\"journal\">in <cite>Journal of Testing</cite>", page
    )


def test_a_reproduction_order_is_named_as_one(portal: Client, institution: Any) -> None:
    order = _reproduction(institution)
    listing = portal.get(reverse("requests:list")).content.decode()
    assert '<td data-label="Type">Reproduction order</td>' in listing
    detail = portal.get(reverse("requests:detail", args=[order.pk])).content.decode()
    assert f"<h1>Reproduction order {order.pk}</h1>" in detail


@pytest.mark.parametrize(
    ("kind", "expected"), [("reproduction", "LC-USZ62-12345"), ("copy", "On tests")]
)
def test_the_type_filter_tells_copies_from_reproduction_orders(
    portal: Client, institution: Any, kind: str, expected: str
) -> None:
    make_copy(institution)
    _reproduction(institution)
    make_loan(institution, title="A Book to Borrow")
    response = portal.get(reverse("requests:list"), {"service": kind})
    rows = list(response.context["page"])
    assert [row.citation_title for row in rows] == [expected]


def test_library_pages_show_no_rule_codes_and_staff_pages_keep_them(
    portal: Client, desk: Client, institution: Any
) -> None:
    item = make_copy(institution)
    decision = item.record.latest_decision
    assert decision is not None
    rule = decision.rule
    library = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    library += portal.get(reverse("requests:list")).content.decode()
    assert not RULE_CODE.search(library)
    assert "Accepted under CCG: within the CONTU guidelines" in library
    staff = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert f"({rule})" in staff


def test_a_loan_shows_no_copyright_decision(portal: Client, institution: Any) -> None:
    loan = make_loan(institution)
    page = portal.get(reverse("requests:detail", args=[loan.pk])).content.decode()
    assert "Not applicable" not in page
    assert "Copyright decision" not in page.split("Timeline")[0]


def test_the_detail_page_shows_the_doi_and_pmid(portal: Client, institution: Any) -> None:
    item = make_copy(institution, doi="10.1038/nature12373", pmid="27289441")
    page = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "<dd>10.1038/nature12373</dd>" in page and "<dd>27289441</dd>" in page
