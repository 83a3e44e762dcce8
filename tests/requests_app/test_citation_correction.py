"""Staff correct a request's citation on the desk: audited on the timeline, searchable at once,
and a copy not yet supplied is evaluated again when its copyright facts change; a supplied copy's
facts stay as they were counted."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from copyright_rules.models import Decision
from registration.models import Institution
from requests_app import search
from requests_app.models import Action, Request, Status
from tests.requests_app.factories import COPY_FIELDS, make_copy, make_loan

pytestmark = pytest.mark.django_db


def correct(desk: Client, item: Request, **changes: Any) -> Any:
    """The desk's correction form as staff submit it: every field as shown, some changed."""
    item.refresh_from_db()
    page = desk.get(reverse("desk:detail", args=[item.pk]))
    form = page.context["offers"]
    [offer] = [offer for offer in form if offer.action.slug == "citation"]
    shown = {name: value for name, value in offer.form.initial.items() if value is not None}
    return desk.post(
        reverse("desk:act", args=[item.pk, "citation"]),
        {**shown, "seen_status": item.status, **changes},
    )


def test_staff_correct_a_loans_title_and_add_its_issn(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution, title="Jurnal of Vertebrate Paleontolgy")
    response = correct(desk, item, title="Journal of Vertebrate Paleontology", issn="0272-4634")
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.issn) == ("Journal of Vertebrate Paleontology", "0272-4634")
    event = item.events.get(action=Action.CITATION_CORRECTED)
    assert (
        "“Jurnal of Vertebrate Paleontolgy” to “Journal of Vertebrate Paleontology”" in event.text
    )
    assert "ISSN: “” to “0272-4634”" in event.text and event.actor is not None
    assert search.search(Request.objects.all(), "02724634") == [item]
    assert search.search(Request.objects.all(), "paleontology") == [item]
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "Citation corrected" in page


def test_a_bad_identifier_is_a_field_error_and_changes_nothing(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution, title="A Book")
    response = correct(desk, item, title="Another Book", issn="1234-5678")
    assert response.status_code == 400
    assert "This is not a valid ISSN" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "A Book" and not item.events.filter(action=Action.CITATION_CORRECTED)


def test_a_correction_from_a_stale_page_writes_nothing(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution, title="A Book")
    Request.objects.filter(pk=item.pk).update(status=Status.IN_PROCESS)
    desk.post(
        reverse("desk:act", args=[item.pk, "citation"]),
        {"seen_status": "new", "title": "Changed"},
    )
    item.refresh_from_db()
    assert item.title == "A Book"


def test_a_copy_whose_facts_change_is_evaluated_again_under_the_rule_of_five(
    desk: Client, institution: Institution
) -> None:
    for n in range(5):  # five articles of one journal this year: the limit
        make_copy(institution, article_title=f"Article {n}", issue=str(n))
    other = make_copy(
        institution, title="Science", issn="0036-8075", article_title="Elsewhere", issue="9"
    )
    assert other.status == Status.NEW
    decisions = Decision.objects.filter(record=other.record).count()
    response = correct(desk, other, title=COPY_FIELDS["title"], issn=COPY_FIELDS["issn"])
    assert response.status_code == 302
    other.refresh_from_db()
    assert Decision.objects.filter(record=other.record).count() == decisions + 1
    assert other.status == Status.AWAITING_CLEARANCE
    assert (
        other.record.status == "awaiting_clearance" and other.record.outcome == "NEEDS_PERMISSION"
    )
    assert other.events.filter(action=Action.REEVALUATED, from_status="new").exists()
    assert search.search(Request.objects.all(), "00280836")[0] == other


def test_a_held_copy_corrected_to_another_journal_is_released(
    desk: Client, institution: Institution
) -> None:
    for n in range(5):
        make_copy(institution, article_title=f"Article {n}", issue=str(n))
    held = make_copy(institution, article_title="The sixth", issue="6")
    assert held.status == Status.AWAITING_CLEARANCE
    correct(desk, held, title="Science", issn="0036-8075")
    held.refresh_from_db()
    assert held.status == Status.NEW and held.record.outcome.startswith("ACCEPT")


def test_an_unrelated_field_does_not_evaluate_a_copy_again(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    decisions = Decision.objects.filter(record=item.record).count()
    correct(desk, item, publisher="Nature Portfolio", lccn="85-2")
    item.refresh_from_db()
    assert item.publisher == "Nature Portfolio" and item.lccn == "85000002"
    assert Decision.objects.filter(record=item.record).count() == decisions


def test_a_supplied_copy_keeps_its_facts_and_says_what_may_still_change(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    Request.objects.filter(pk=item.pk).update(status=Status.DELIVERED)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "The copy was supplied (or the request is finished)" in page
    assert 'name="title"' in page and "disabled" in page.split('name="title"')[1][:200]
    decisions = Decision.objects.filter(record=item.record).count()
    correct(desk, item, title="Something else", publisher="Nature Portfolio")
    item.refresh_from_db()
    assert item.title == COPY_FIELDS["title"] and item.publisher == "Nature Portfolio"
    assert Decision.objects.filter(record=item.record).count() == decisions


def test_nothing_changed_writes_nothing(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    response = correct(desk, item)
    assert response.status_code == 302
    assert not item.events.filter(action=Action.CITATION_CORRECTED).exists()
