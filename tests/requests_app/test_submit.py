from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registration.models import Institution
from requests_app.models import Request, Status
from tests.requests_app.factories import make_copy
from tests.requests_app.test_desk import act

pytestmark = pytest.mark.django_db

COPY_POST = {
    "work_kind": "periodical",
    "title": "Journal of Testing",
    "issn": "0028-0836",
    "article_title": "On tests",
    "author": "Smith, A.",
    "volume": "12",
    "issue": "3",
    "publication_date": "2024-05",
    "pages": "10-20",
    "extent": "one_article",
    "material": "text",
    "purpose": "research",
    "statement": "CCG",
}
LOAN_POST = {"title": "A Book", "author": "Doe, J.", "tried_elsewhere": "on"}


def test_copy_request_is_decided_and_shown_at_once(portal: Client) -> None:
    response = portal.post(reverse("requests:new_copy"), COPY_POST, follow=True)
    created = Request.objects.get()
    assert response.redirect_chain[-1][0] == reverse("requests:detail", args=[created.pk])
    assert created.record.outcome == "ACCEPT_CCG"
    assert created.record.decisions.get().explanation in response.content.decode()


def test_copy_request_is_stored_new_with_the_citation(portal: Client) -> None:
    portal.post(reverse("requests:new_copy"), COPY_POST)
    created = Request.objects.get()
    assert (created.status, created.issn, created.pages_requested) == (Status.NEW, "0028-0836", 11)


def test_sixth_copy_of_a_title_is_held_for_permission(
    portal: Client, institution: Institution
) -> None:
    for n in range(5):
        make_copy(institution, article_title=f"Article {n}", issue=str(n))
    portal.post(reverse("requests:new_copy"), {**COPY_POST, "issue": "9"})
    sixth = Request.objects.order_by("-pk").first()
    assert sixth is not None and sixth.status == Status.AWAITING_CLEARANCE


def test_loan_request_is_stored_with_a_not_applicable_decision(portal: Client) -> None:
    portal.post(reverse("requests:new_loan"), LOAN_POST)
    created = Request.objects.get()
    assert (created.service, created.record.outcome) == ("loan", "NOT_APPLICABLE")


def test_incomplete_copy_request_is_not_stored_and_keeps_the_values(portal: Client) -> None:
    # A publication year far in the future is implausible (R1): the form refuses it.
    response = portal.post(reverse("requests:new_copy"), {**COPY_POST, "publication_date": "2999"})
    assert Request.objects.count() == 0
    assert 'value="On tests"' in response.content.decode()


def test_incomplete_copy_request_shows_the_rule_explanation(portal: Client) -> None:
    """What the form cannot check itself (a title of punctuation only, without an ISSN, forms no
    key: R1) is the rules' explanation above the form, and nothing is stored."""
    data = {**COPY_POST, "title": "...", "issn": ""}
    response = portal.post(reverse("requests:new_copy"), data)
    [error] = response.context["form"].non_field_errors()
    assert "no title and no valid ISSN" in error and not Request.objects.exists()


def test_likely_duplicate_is_a_warning_with_a_link(
    portal: Client, institution: Institution
) -> None:
    first = make_copy(institution)
    portal.post(reverse("requests:new_copy"), {**COPY_POST, "publication_date": "2024"})
    second = Request.objects.exclude(pk=first.pk).get()
    page = portal.get(reverse("requests:detail", args=[second.pk])).content.decode()
    assert reverse("requests:detail", args=[first.pk]) in page


def test_duplicate_warning_ignores_other_institutions(
    portal: Client, institution: Institution, other_institution: Institution
) -> None:
    other = make_copy(other_institution)
    mine = make_copy(institution)
    page = portal.get(reverse("requests:detail", args=[mine.pk])).content.decode()
    assert reverse("requests:detail", args=[other.pk]) not in page


def test_a_reproduction_order_names_its_title_as_every_copy_does(portal: Client) -> None:
    """Ruling 2: a reproduction number never forms a key, so the title is asked for."""
    data = {
        "reproduction_number": "LC-USZ62-12345",
        "material": "pictorial",
        "reproduction_format": "tiff",
        "quantity": "1",
        "intended_use": "private_study",
        "rights": "public_domain",
        "rights_statement": "on",
    }
    page = portal.post(reverse("requests:new_duplication"), data)
    assert page.status_code == 200 and 'id="id_title_error"' in page.content.decode()
    assert not Request.objects.exists()

    portal.post(reverse("requests:new_duplication"), {**data, "title": "Migrant Mother"})
    created = Request.objects.get()
    assert (created.is_duplication, created.reproduction_number) == (True, "LC-USZ62-12345")
    assert created.record.title_key == "WORK:migrant mother|"


def test_precheck_answers_the_likely_decision_without_storing(portal: Client) -> None:
    response = portal.post(reverse("requests:precheck"), COPY_POST)
    assert response.json()["outcome"] == "ACCEPT_CCG"
    assert Request.objects.count() == 0


def test_precheck_of_an_incomplete_form_names_what_is_missing(portal: Client) -> None:
    response = portal.post(reverse("requests:precheck"), {**COPY_POST, "title": ""})
    assert response.json()["outcome"] == "incomplete"
    assert "title" in response.json()["explanation"].lower()


def test_received_email_carries_the_decision(
    portal: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(reverse("requests:new_copy"), COPY_POST)
    created = Request.objects.get()
    assert created.record.decisions.get().explanation in mailoutbox[0].body


# --- reproduction orders of the office's holdings (docs/copyright.md sections 1 and 5) -------

REPRODUCTION_POST = {
    "material": "text",
    "reproduction_format": "pdf",
    "quantity": "1",
    "intended_use": "private_study",
    "rights": "section_108",
    "rights_statement": "on",
    "duplication": "1",  # as the order page posts it, for the live pre-check
}
DUPLICATION_POST = {**REPRODUCTION_POST, "call_number": "QH31 .D2 1859", "rights": "public_domain"}
ARTICLE_DUPLICATION_POST = {
    **REPRODUCTION_POST,
    "reproduction_number": "LC-REPRO-77",
    "title": "Journal of Testing",
    "article_title": "On tests",
    "publication_date": "2024-05",
}


def test_a_duplication_order_is_keyed_by_its_work_never_by_the_holding(portal: Client) -> None:
    """Ruling 2: plates of one call number are each keyed by their own title."""
    for number in range(6):
        portal.post(
            reverse("requests:new_duplication"),
            {**DUPLICATION_POST, "title": f"Plate {number}"},
        )

    records = [request.record for request in Request.objects.order_by("pk")]
    assert [record.title_key for record in records] == [f"WORK:plate {n}|" for n in range(6)]
    assert [(r.outcome, r.counted) for r in records] == [("ACCEPT_CCL", False)] * 6
    assert all("Office holding" not in str(record.citation) for record in records)


def test_a_duplication_of_a_periodical_article_counts_under_the_rule_of_five(
    portal: Client,
) -> None:
    for number in range(6):
        post = {**ARTICLE_DUPLICATION_POST, "article_title": f"Article {number}"}
        portal.post(reverse("requests:new_duplication"), post)

    records = [request.record for request in Request.objects.order_by("pk")]
    assert {record.title_key for record in records} == {"TITLE:journal of testing"}
    assert [record.outcome for record in records] == ["ACCEPT_CCG"] * 5 + ["NEEDS_PERMISSION"]


def test_a_repeated_article_is_shown_before_it_takes_a_slot(portal: Client) -> None:
    portal.post(reverse("requests:new_duplication"), ARTICLE_DUPLICATION_POST)

    precheck = portal.post(reverse("requests:precheck"), ARTICLE_DUPLICATION_POST).json()
    page = portal.post(reverse("requests:new_duplication"), ARTICLE_DUPLICATION_POST)

    assert precheck["repeated_article"] is True
    assert "already ordered this article in" in precheck["explanation"]
    assert "received" not in precheck["explanation"]
    assert page.status_code == 200 and "Tick this box to order it again" in page.content.decode()
    assert Request.objects.count() == 1


def test_a_repeated_article_filled_before_is_one_the_library_received(
    portal: Client, desk: Client
) -> None:
    portal.post(reverse("requests:new_duplication"), ARTICLE_DUPLICATION_POST)
    order = Request.objects.get()
    act(desk, order, "quote", amount="45.00", note="2 TIFF files at 600 ppi")
    portal.post(
        reverse("requests:quote", args=[order.pk]), {"seen_status": "quoted", "answer": "approve"}
    )
    act(desk, order, "fill", delivery_method="mail")
    assert Request.objects.get().status == Status.DELIVERED

    page = portal.post(reverse("requests:new_duplication"), ARTICLE_DUPLICATION_POST)

    error = page.context["form"].errors["order_again"][0]
    assert "already received this article in" in error
    assert Request.objects.count() == 1


def test_a_repeated_article_can_be_ordered_again_on_purpose(portal: Client) -> None:
    portal.post(reverse("requests:new_duplication"), ARTICLE_DUPLICATION_POST)

    portal.post(
        reverse("requests:new_duplication"), {**ARTICLE_DUPLICATION_POST, "order_again": "on"}
    )

    second = Request.objects.order_by("pk").last()
    assert Request.objects.count() == 2
    assert second is not None and "repeated_article" in second.record.decisions.get().flags


def test_a_copy_request_asks_what_a_loan_asks_and_the_request_page_shows_it(
    portal: Client,
) -> None:
    wishes = {"need_by": "2999-01-31", "max_cost": "25.50", "delivery_preference": "mail"}

    portal.post(reverse("requests:new_copy"), {**COPY_POST, **wishes})

    created = Request.objects.get()
    assert (str(created.need_by), str(created.max_cost), created.delivery_preference) == (
        "2999-01-31",
        "25.50",
        "mail",
    )
    page = portal.get(reverse("requests:detail", args=[created.pk])).content.decode()
    assert "2999-01-31" in page and "$25.50" in page and "Mailed" in page


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [("need_by", "2000-01-01", "in the past"), ("max_cost", "-1", "cannot be negative")],
)
def test_a_copy_requests_need_by_date_and_maximum_cost_are_checked(
    portal: Client, field: str, value: str, error: str
) -> None:
    response = portal.post(reverse("requests:new_copy"), {**COPY_POST, field: value})

    assert error in response.content.decode() and Request.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "stored", "counted"),
    [("pp. 123-145", "123-145", 23), ("123-45", "123-145", 23), ("p. 12", "12", 1)],
)
def test_pages_are_read_as_librarians_write_them(
    portal: Client, typed: str, stored: str, counted: int
) -> None:
    portal.post(reverse("requests:new_copy"), {**COPY_POST, "pages": typed})

    created = Request.objects.get()
    assert (created.pages, created.pages_requested) == (stored, counted)
