"""The desk's action table drives the request page, the action view and the services' arguments."""

import inspect
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import filling
from requests_app.acting import offers
from requests_app.actions import ACTIONS, DeskAction, Tone
from requests_app.models import Request, Service, Status
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def in_status(institution: Institution, service: str, status: str) -> Request:
    item = make_loan(institution) if service == Service.LOAN else make_copy(institution)
    Request.objects.filter(pk=item.pk).update(
        status=status, due_date="2099-01-01", refusal_reason="policy", quote_amount=1
    )
    item.refresh_from_db()
    return item


def shown_actions(page: str) -> list[str]:
    """The action slugs the page offers, in page order (each form posts to its action's URL;
    claiming is not a status change and has its own view)."""
    return [slug for slug in re.findall(r'action="/desk/\d+/([a-z_]+)/"', page) if slug != "claim"]


@pytest.mark.parametrize("row", list(ACTIONS.values()), ids=lambda row: row.slug)
def test_each_form_field_is_a_keyword_argument_of_its_service(row: DeskAction) -> None:
    parameters = inspect.signature(row.service).parameters
    fields = set(row.form.base_fields) - {"seen_status", "confirm"}
    assert fields <= set(parameters)
    required = {
        name
        for name, p in parameters.items()
        if p.kind is p.KEYWORD_ONLY and p.default is p.empty and name != "acting_user"
    }
    assert required - {"seen"} <= fields


@pytest.mark.parametrize("service", list(Service))
@pytest.mark.parametrize("status", list(Status))
def test_the_page_offers_exactly_the_actions_the_table_allows(
    desk: Client, institution: Institution, service: str, status: str
) -> None:
    item = in_status(institution, service, status)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    allowed = {slug for slug, row in ACTIONS.items() if row.allows(item)}
    assert set(shown_actions(page)) == allowed


def test_the_likely_next_step_comes_first_and_open(desk: Client, institution: Institution) -> None:
    item = in_status(institution, Service.LOAN, Status.ON_LOAN)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert shown_actions(page)[0] == "return"
    first = page[page.index('<details class="desk-action') :].split(">", 1)[0]
    assert "desk-action-next" in first and " open" in first


def test_with_a_renewal_asked_for_answering_it_comes_first_and_open(
    desk: Client, institution: Institution
) -> None:
    item = in_status(institution, Service.LOAN, Status.OVERDUE)
    Request.objects.filter(pk=item.pk).update(renewal_requested_at=timezone.now())
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert shown_actions(page)[:3] == ["renew", "decline_renewal", "return"]
    opened = [part.split(">", 1)[0] for part in page.split('<details class="desk-action')[1:]]
    assert [" open" in tag for tag in opened[:3]] == [True, True, False]


def test_actions_that_end_a_request_come_last(institution: Institution) -> None:
    item = in_status(institution, Service.COPY, Status.IN_PROCESS)
    tones = [offer.action.tone for offer in offers(item)]
    assert tones[-2:] == [Tone.DANGER, Tone.DANGER] and Tone.DANGER not in tones[:-2]


def test_an_action_the_status_does_not_allow_changes_nothing(
    desk: Client, institution: Institution
) -> None:
    item = in_status(institution, Service.COPY, Status.REFUSED)
    url = reverse("desk:act", args=[item.pk, "accept"])
    response = desk.post(url, {"seen_status": "refused"}, follow=True)
    item.refresh_from_db()
    assert item.status == Status.REFUSED
    assert "changed since you opened it" in response.content.decode()


def test_a_forged_seen_status_outside_the_table_is_stale(
    desk: Client, institution: Institution
) -> None:
    """The posted status matches the request, but the table does not allow the action from it."""
    item = in_status(institution, Service.LOAN, Status.RETURNED)
    Request.objects.filter(pk=item.pk).update(status=Status.NEW)
    url = reverse("desk:act", args=[item.pk, "return"])
    desk.post(url, {"seen_status": "new"})
    item.refresh_from_db()
    assert item.status == Status.NEW and not item.events.filter(action="returned").exists()


def test_refuse_offers_no_reason_until_one_is_chosen(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    select = page[page.index('name="refusal_reason"') :].split("</select>")[0]
    assert "selected" not in select.replace('value="" selected', "")
    assert '<option value="" selected>' in select


def test_refuse_without_confirmation_changes_nothing(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "refusal_reason": "in_use"}
    response = desk.post(reverse("desk:act", args=[item.pk, "refuse"]), data)
    item.refresh_from_db()
    assert response.status_code == 400 and item.status == Status.NEW
    assert b'id="id_refuse_confirm_error"' in response.content


def test_cancel_without_confirmation_changes_nothing(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "reason": "Duplicate"}
    response = desk.post(reverse("desk:act", args=[item.pk, "cancel"]), data)
    item.refresh_from_db()
    assert response.status_code == 400 and item.status == Status.NEW


def test_a_failed_form_comes_back_open_with_its_values(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "reason": "Kept text"}
    page = desk.post(reverse("desk:act", args=[item.pk, "cancel"]), data).content.decode()
    cancel = page[page.rindex("<details", 0, page.index('id="action-cancel"')) :]
    assert cancel.split(">", 1)[0].endswith(" open") and "Kept text" in cancel


def test_the_error_summary_takes_focus_and_links_to_the_field(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    data = {"seen_status": "new", "confirm": "on"}
    page = desk.post(reverse("desk:act", args=[item.pk, "cancel"]), data).content.decode()
    summary = page[page.index('class="error-summary"') :].split("</div>")[0]
    assert "autofocus" in summary and 'href="#id_cancel_reason"' in summary
    assert 'id="id_cancel_reason"' in page


@pytest.mark.parametrize("status", list(Status))
def test_a_scan_may_fill_exactly_the_requests_the_desk_s_fill_action_allows(
    institution: Institution, status: Status
) -> None:
    """Electronic delivery matches scans by requests_app/filling.py, the desk by its Fill row:
    the same requests, loans and reproduction orders before and after their quote included."""
    items = [in_status(institution, service, status) for service in (Service.LOAN, Service.COPY)]
    order = in_status(institution, Service.COPY, status)
    Request.objects.filter(pk=order.pk).update(is_duplication=True)
    order.refresh_from_db()
    approved = in_status(institution, Service.COPY, status)
    Request.objects.filter(pk=approved.pk).update(
        is_duplication=True, quote_approved_at=timezone.now()
    )
    approved.refresh_from_db()
    for item in [*items, order, approved]:
        assert filling.may_fill(item) == ACTIONS["fill"].allows(item), (item.service, status)
    assert filling.may_fill(items[1]) == (status in filling.SOURCES)
