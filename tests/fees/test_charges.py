"""A charge per supplied request, approved quote and lost loan, in a ledger the database keeps
sound (docs/fees.md)."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fees.models import Charge, ChargeEvent, Exemption, Fee, FeeService
from registration.models import Institution
from requests_app.models import Request, Status
from tests.fees.conftest import act
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def due() -> str:
    return (timezone.localdate() + timedelta(days=21)).isoformat()


def test_a_shipped_loan_is_charged_once_with_an_event(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee], staff: Any
) -> None:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=due())
    charge = Charge.objects.get(request=item)
    event = charge.events.get()
    assert (charge.kind, charge.amount, charge.currency) == ("supply", Decimal("15.00"), "USD")
    assert (event.action, event.amount, event.actor) == ("charged", Decimal("15.00"), staff)


def test_a_delivered_article_pays_its_pages_beyond_those_included(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = make_copy(institution, pages_requested=30)
    act(desk, item, "fill", delivery_method="mail")
    assert Charge.objects.get(request=item).amount == Decimal("10.00")  # 5 + 20 x 0.25


def test_a_need_by_date_within_the_rush_days_adds_the_rush_part(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = make_loan(institution, need_by=timezone.localdate() + timedelta(days=2))
    act(desk, item, "ship", due_date=due())
    assert Charge.objects.get(request=item).amount == Decimal("25.00")


def test_an_exempt_partner_is_never_charged(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    Exemption.objects.create(institution=institution, reason="Reciprocal agreement")
    item = make_loan(institution)
    act(desk, item, "ship", due_date=due())
    item.refresh_from_db()
    assert item.status == Status.ON_LOAN and not Charge.objects.exists()


def test_a_charge_above_the_maximum_cost_stops_the_supply_and_says_so(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = make_loan(institution, max_cost=Decimal("10.00"))
    page = act(desk, item, "ship", due_date=due()).content.decode()
    item.refresh_from_db()
    assert item.status == Status.NEW and not Charge.objects.exists()
    assert "above the library&#x27;s maximum cost" in page and "conditional reply" in page


def test_the_desk_shows_the_likely_charge_above_the_maximum_before_staff_act(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = make_loan(institution, max_cost=Decimal("10.00"))
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "USD 15.00" in page and "above the library" in page


def test_the_desk_proposes_the_conditional_reply_with_the_cost_first(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = make_loan(institution, max_cost=Decimal("10.00"))
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    actions = page[page.index('id="actions-heading"') :]
    assert actions.index("Conditional reply") < actions.index("Ship")
    assert "Supplying this request costs USD 15.00, above your maximum cost of USD 10.00." in page


def test_conditions_with_the_cost_accepted_let_the_supply_be_charged(
    desk: Client, portal: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = make_loan(institution, max_cost=Decimal("10.00"))
    act(desk, item, "conditional", conditions="The loan costs USD 15.00.")
    portal.post(
        reverse("requests:conditions", args=[item.pk]),
        {"seen_status": Status.CONDITIONAL, "answer": "accept"},
    )
    act(desk, item, "ship", due_date=due())
    assert Charge.objects.get(request=item).amount == Decimal("15.00")


def test_an_approved_quote_is_charged_at_its_price(
    desk: Client, portal: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = make_copy(institution, is_duplication=True, reproduction_format="tiff")
    act(desk, item, "quote", amount="42.50", note="Two TIFF scans")
    portal.post(
        reverse("requests:quote", args=[item.pk]),
        {"seen_status": Status.QUOTED, "answer": "approve"},
    )
    act(desk, item, "fill", delivery_method="mail")
    charges = Charge.objects.filter(request=item)
    assert [(c.kind, c.amount) for c in charges] == [("quote", Decimal("42.50"))]


def test_a_lost_loan_is_charged_its_replacement_cost_without_rush(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    Fee.objects.filter(service=FeeService.LOST_LOAN).update(rush="50.00")
    item = make_loan(institution, need_by=timezone.localdate())
    act(desk, item, "ship", due_date=due())
    act(desk, item, "lost", note="Never came back", confirm="on")
    kinds = dict(Charge.objects.filter(request=item).values_list("kind", "amount"))
    assert kinds == {"supply": Decimal("25.00"), "replacement": Decimal("120.00")}


def test_no_schedule_row_means_no_charge(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=due())
    item.refresh_from_db()
    assert item.status == Status.ON_LOAN and not ChargeEvent.objects.exists()


def _charge(institution: Institution, request: Request, **fields: Any) -> Charge:
    values = {"kind": "supply", "amount": Decimal("1.00"), "currency": "USD"}
    return Charge.objects.create(
        institution=institution,
        request=request,
        description="test",
        charged_on=timezone.localdate(),
        **{**values, **fields},
    )


def test_the_database_refuses_a_negative_charge(institution: Institution) -> None:
    item = make_loan(institution)
    with pytest.raises(IntegrityError), transaction.atomic():
        _charge(institution, item, amount=Decimal("-0.01"))


@pytest.mark.postgres_only
def test_the_database_refuses_a_charge_without_its_request(institution: Institution) -> None:
    item = make_loan(institution)
    item.pk = 10**9
    with pytest.raises(IntegrityError), transaction.atomic():
        _charge(institution, item)
        connection.check_constraints()  # Django's foreign keys are checked at commit


def test_the_database_refuses_an_unknown_currency(institution: Institution) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _charge(institution, make_loan(institution), currency="XXX")


def test_the_loan_and_copy_forms_state_the_likely_charge(
    portal: Client, schedule: dict[FeeService, Fee]
) -> None:
    loan = portal.get(reverse("requests:new_loan")).content.decode()
    copy = portal.get(reverse("requests:new_copy")).content.decode()
    assert "Loan: USD 15.00; 10.00 more when needed within 3 days." in loan
    assert "Article copy: USD 5.00 for up to 10 pages, then 0.25 a page." in copy


def test_an_exempt_library_reads_that_it_is_not_charged(
    portal: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    Exemption.objects.create(institution=institution, reason="Reciprocal agreement")
    page = portal.get(reverse("requests:new_loan")).content.decode()
    assert "Your library is not charged" in page and "USD 15.00" not in page
