"""Reproduction orders (the Library of Congress Duplication Services): their own form and type,
an identifier required, format, use and rights asked, the copyright facts derived from them, and
the price quote the library approves or declines before any work starts."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from copyright_rules.facts import RequestFacts
from registration.models import Institution
from requests_app.forms import CopyRequestForm, ReproductionOrderForm
from requests_app.models import Request
from tests.requests_app.test_desk import act

pytestmark = pytest.mark.django_db

ORDER = {
    "reproduction_number": "LC-USZ62-12345",
    "title": "Map of Washington, D.C., 1913",
    "material": "pictorial",
    "reproduction_format": "tiff",
    "resolution": "600 ppi",
    "quantity": "2",
    "intended_use": "private_study",
    "rights": "public_domain",
    "rights_statement": "on",
    "patron_ref": "TN:7001",
}


def _order(portal: Client, **changes: str) -> Any:
    return portal.post(reverse("requests:new_duplication"), {**ORDER, **changes})


def _field_error(page: str, name: str) -> bool:
    return f'id="id_{name}_error"' in page


def test_the_order_form_asks_what_duplication_services_ask_and_not_the_copy_questions(
    portal: Client,
) -> None:
    page = portal.get(reverse("requests:new_duplication")).content.decode()
    for asked in ("reproduction_number", "reproduction_format", "intended_use", "credit_line"):
        assert f'name="{asked}"' in page
    for not_asked in ("work_kind", "issn", "statement", "basis", "extent"):
        assert f'name="{not_asked}"' not in page
    assert "WARNING CONCERNING COPYRIGHT RESTRICTIONS" in page
    assert "not a right to publish it" in page


def test_the_order_form_has_exactly_the_fields_its_page_shows(portal: Client) -> None:
    """No field of another form hidden or deleted: what the library sees is what is validated.
    `order_again` is shown only when the rules find the article already supplied to it
    (tests/requests_app/test_submit.py)."""
    page = portal.get(reverse("requests:new_duplication")).content.decode()
    form = re.search(r'<form[^>]*id="copy-form".*?</form>', page, re.S)
    assert form is not None
    shown = set(re.findall(r'name="([a-z_]+)"', form.group(0))) - {"csrfmiddlewaretoken"}
    assert shown == set(ReproductionOrderForm().fields) - {"order_again"} | {"duplication"}
    assert not issubclass(ReproductionOrderForm, CopyRequestForm)


def _facts(**changes: str) -> tuple[ReproductionOrderForm, RequestFacts]:
    form = ReproductionOrderForm({**ORDER, **changes})
    assert form.is_valid(), form.errors
    return form, form.request_facts()


def test_the_order_holds_only_what_the_library_entered() -> None:
    form, _ = _facts()
    assert set(form.cleaned_data) == set(form.fields)


def test_a_public_domain_order_for_study_is_a_whole_item_under_ccl_for_research() -> None:
    _, facts = _facts()
    stated = (facts.work_kind, facts.extent, facts.statement, facts.basis, facts.purpose)
    assert stated == ("non_periodical", "entire_work", "CCL", "public_domain", "research")
    assert (facts.title, facts.reproduction_number, facts.material, facts.rights) == (
        "Map of Washington, D.C., 1913",
        "LC-USZ62-12345",
        "pictorial",
        "public_domain",
    )
    assert (facts.issns, facts.volume, facts.pages_requested, facts.note) == ((), None, None, None)


def test_an_article_published_with_permission_is_one_article_under_ccg_for_another_use() -> None:
    _, facts = _facts(
        article_title="The plates of 1913",
        publication_date="1913",
        intended_use="publication",
        credit_line="Library of Congress, Geography and Map Division",
        rights="permission",
        permission_reference="PERM-42",
        patron_id="P-9",
    )
    stated = (facts.work_kind, facts.extent, facts.statement, facts.basis, facts.purpose)
    assert stated == ("periodical", "one_article", "CCG", None, "other")
    entered = (facts.article, facts.publication_date, facts.permission_reference, facts.rights)
    assert entered == ("The plates of 1913", "1913", "PERM-42", "permission")
    assert facts.patron_ref == "P-9"


def test_a_public_domain_order_is_stored_as_a_reproduction_order(portal: Client) -> None:
    response = _order(portal)
    created = Request.objects.get()
    assert response["Location"] == reverse("requests:detail", args=[created.pk])
    assert created.request_type.label == "Reproduction order"
    stored = (created.reproduction_format, created.quantity, created.rights, created.status)
    assert stored == ("tiff", 2, "public_domain", "new")
    decision = created.record.latest_decision
    assert decision is not None and decision.outcome == "ACCEPT_CCL"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reproduction_number": "", "title": ""}, "reproduction_number"),
        ({"intended_use": "publication", "credit_line": ""}, "credit_line"),
        ({"rights": "permission", "permission_reference": ""}, "permission_reference"),
        ({"quantity": "0"}, "quantity"),
        ({"reproduction_format": "gif"}, "reproduction_format"),
        ({"rights_statement": ""}, "rights_statement"),
    ],
)
def test_an_incomplete_order_is_a_field_error_and_stores_nothing(
    portal: Client, changes: dict[str, str], field: str
) -> None:
    response = _order(portal, **changes)
    assert response.status_code == 200
    assert _field_error(response.content.decode(), field)
    assert Request.objects.count() == 0


def test_publication_with_a_credit_line_is_accepted_as_an_order(portal: Client) -> None:
    credit = "Library of Congress, Geography and Map Division"
    _order(portal, intended_use="publication", credit_line=credit)
    assert Request.objects.get().credit_line == credit


def _quoted(portal: Client, desk: Client) -> Request:
    _order(portal)
    order = Request.objects.get()
    response = act(desk, order, "quote", amount="45.00", note="2 TIFF files at 600 ppi")
    assert response.status_code == 302
    order.refresh_from_db()
    return order


def test_staff_cannot_fill_an_order_before_its_quote_is_approved(
    portal: Client, desk: Client
) -> None:
    _order(portal)
    order = Request.objects.get()
    page = desk.get(reverse("desk:detail", args=[order.pk])).content.decode()
    assert "Send the price quote" in page and "Fill the copy" not in page
    act(desk, order, "fill", delivery_method="mail")
    assert Request.objects.get().status == "new"


def test_the_library_approves_the_quote_and_work_may_start(
    portal: Client, desk: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = _quoted(portal, desk)
    assert (order.status, order.quote_amount) == ("quoted", Decimal("45.00"))
    page = portal.get(reverse("requests:detail", args=[order.pk])).content.decode()
    assert "Price quote: US $45.00" in page
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(
            reverse("requests:quote", args=[order.pk]),
            {"seen_status": "quoted", "answer": "approve"},
        )
    order.refresh_from_db()
    assert order.status == "in_process" and order.quote_approved_at is not None
    assert mail.outbox[-1].to == [settings.OFFICE_EMAIL]
    assert "price quote approved" in mail.outbox[-1].subject
    page = desk.get(reverse("desk:detail", args=[order.pk])).content.decode()
    assert "Fill the copy" in page and "Send the price quote" not in page


def test_the_library_declines_the_quote_and_the_order_is_cancelled(
    portal: Client, desk: Client
) -> None:
    order = _quoted(portal, desk)
    portal.post(
        reverse("requests:quote", args=[order.pk]), {"seen_status": "quoted", "answer": "decline"}
    )
    order.refresh_from_db()
    assert order.status == "cancelled" and order.quote_approved_at is None


def test_the_quote_email_gives_the_price_and_the_reference(
    portal: Client, desk: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    _order(portal)
    order = Request.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, order, "quote", amount="45.00", note="2 TIFF files")
    message = mail.outbox[-1]
    assert message.to == [institution.email]
    expected = f"Reproduction order {order.pk} (your ref. TN:7001): price quote US $45.00"
    assert message.subject.startswith(expected)


def test_a_copy_request_is_never_quoted(desk: Client, institution: Institution) -> None:
    from tests.requests_app.factories import make_copy

    item = make_copy(institution)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "Send the price quote" not in page
    act(desk, item, "quote", amount="10")
    assert Request.objects.get(pk=item.pk).status == "new"


def test_a_quote_in_non_ascii_digits_is_refused_next_to_the_field(
    portal: Client, desk: Client
) -> None:
    _order(portal)
    order = Request.objects.get()
    response = act(desk, order, "quote", amount="٤٥", note="2 TIFF files")
    order.refresh_from_db()
    assert order.status == "new" and order.quote_amount is None
    assert response.status_code == 400 and "Enter a number." in response.content.decode()
