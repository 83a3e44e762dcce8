"""Staff transitions through the desk: each compare-and-set, recorded with who and when."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import services
from requests_app.models import Action, Request, Status
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def act(desk: Client, item: Request, action: str, **data: Any) -> Any:
    item.refresh_from_db()
    payload = {"seen_status": item.status, **data}
    return desk.post(reverse("desk:act", args=[item.pk, action]), payload)


def future(days: int = 21) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_accept_moves_a_new_request_in_process(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    act(desk, item, "accept")
    item.refresh_from_db()
    assert item.status == Status.IN_PROCESS and item.record.status == "in_process"


def test_transition_is_recorded_with_who_and_when(
    desk: Client, staff: User, institution: Institution
) -> None:
    item = make_copy(institution)
    act(desk, item, "accept")
    event = item.events.get(action=Action.ACCEPTED)
    assert (event.actor, event.from_status, event.to_status) == (staff, "new", "in_process")


def test_stale_page_cannot_act_twice(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    url = reverse("desk:act", args=[item.pk, "accept"])
    desk.post(url, {"seen_status": "new"})
    response = desk.post(url, {"seen_status": "new"})
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("changed since you opened it" in note for note in notes)
    assert item.events.filter(action=Action.ACCEPTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_acceptances_one_wins() -> None:
    institution = make_institution()
    item = make_copy(institution)
    staff = [make_staff(), make_staff()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user: User) -> None:
        from django.db import connection

        barrier.wait()
        try:
            services.accept_request(Request.objects.get(pk=item.pk), seen="new", acting_user=user)
            outcomes.append("won")
        except services.StaleRequest:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stale", "won"]
    assert item.events.filter(action=Action.ACCEPTED).count() == 1


def test_conditional_reply_waits_for_the_institution(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    act(desk, item, "conditional", conditions="Library use only")
    item.refresh_from_db()
    assert (item.status, item.conditions) == (Status.CONDITIONAL, "Library use only")


def test_institution_accepts_a_conditional_reply(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    act(desk, item, "conditional", conditions="A $10 fee")
    url = reverse("requests:conditions", args=[item.pk])
    portal.post(url, {"seen_status": "conditional", "answer": "accept"})
    item.refresh_from_db()
    assert item.status == Status.IN_PROCESS


def test_institution_declining_conditions_cancels(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    act(desk, item, "conditional", conditions="A $10 fee")
    url = reverse("requests:conditions", args=[item.pk])
    portal.post(url, {"seen_status": "conditional", "answer": "decline"})
    item.refresh_from_db()
    assert (item.status, item.record.status) == (Status.CANCELLED, "cancelled")


def test_ship_a_loan_with_its_due_date(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=future())
    item.refresh_from_db()
    assert (item.status, str(item.due_date)) == (Status.ON_LOAN, future())
    assert item.record.status == "shipped" and item.record.fulfilled_at is not None


def test_ship_refuses_a_past_due_date(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    response = act(desk, item, "ship", due_date=future(-1))
    assert response.status_code == 400 and b'id="id_ship_due_date_error"' in response.content


def test_renew_sets_a_new_due_date(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=future())
    act(desk, item, "renew", due_date=future(42))
    item.refresh_from_db()
    assert (str(item.due_date), item.renewals) == (future(42), 1)


def test_record_return_feeds_the_copyright_record(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=future())
    act(desk, item, "return")
    item.refresh_from_db()
    assert item.status == Status.RETURNED and item.record.returned_at is not None


def test_mark_lost(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=future())
    act(desk, item, "lost", note="Never came back", confirm="on")
    item.refresh_from_db()
    assert item.status == Status.LOST


def test_lost_loan_record_is_final_without_a_return(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=future())
    act(desk, item, "lost", note="Never came back", confirm="on")
    record = Request.objects.get(pk=item.pk).record

    assert record.is_final
    assert record.fulfilled_at is not None
    assert record.returned_at is None


@pytest.mark.parametrize("reason", [r.value for r in Request.RefusalReason])
def test_refuse_with_each_reason(desk: Client, institution: Institution, reason: str) -> None:
    item = make_copy(institution)
    act(desk, item, "refuse", refusal_reason=reason, reason="", confirm="on")
    item.refresh_from_db()
    assert (item.status, item.refusal_reason, item.record.status) == ("refused", reason, "refused")


def test_staff_cancel_needs_a_reason(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    response = act(desk, item, "cancel", reason="", confirm="on")
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == Status.NEW


def test_staff_cancel_keeps_the_reason(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    act(desk, item, "cancel", reason="Duplicate of another request", confirm="on")
    item.refresh_from_db()
    assert (item.status, item.reason) == (Status.CANCELLED, "Duplicate of another request")


def test_claim_shows_who_works_on_it(desk: Client, staff: User, institution: Institution) -> None:
    item = make_copy(institution)
    desk.post(reverse("desk:claim", args=[item.pk]))
    page = desk.get(f"{reverse('desk:queues')}?queue=new").content.decode()
    assert staff.get_username() in page


def test_queue_counts_each_queue(desk: Client, institution: Institution) -> None:
    make_copy(institution)
    make_copy(institution, article_title="Other")
    response = desk.get(reverse("desk:queues"))
    assert ("new", "New", 2) in response.context["tabs"]


def test_unknown_queue_is_not_found(desk: Client) -> None:
    assert desk.get(f"{reverse('desk:queues')}?queue=nope").status_code == 404


def test_unknown_action_is_not_found(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    assert act(desk, item, "explode").status_code == 404


def test_pull_slip_has_call_number_and_shipping_address(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution, shelf_call_number="PS3545 .H16")
    page = desk.get(reverse("desk:slip", args=[item.pk])).content.decode()
    assert "PS3545 .H16" in page and institution.street in page and institution.name in page


def test_the_call_number_the_library_cited_is_never_printed_as_ours(
    desk: Client, institution: Institution
) -> None:
    item = make_loan(institution, call_number="BORROWER 123 .X9")
    slip = desk.get(reverse("desk:slip", args=[item.pk])).content.decode()
    band = desk.get(reverse("desk:band", args=[item.pk])).content.decode()
    assert "Call number: <strong>not recorded yet</strong>" in slip
    assert "Call number cited by the library (theirs, not ours)" in slip
    assert "Call number BORROWER" not in band


def test_institution_cancels_while_not_in_process(portal: Client, institution: Institution) -> None:
    item = make_copy(institution)
    portal.post(reverse("requests:cancel", args=[item.pk]), {"seen_status": "new"})
    item.refresh_from_db()
    assert item.status == Status.CANCELLED


def test_institution_cannot_cancel_in_process(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    act(desk, item, "accept")
    portal.post(reverse("requests:cancel", args=[item.pk]), {"seen_status": "in_process"})
    item.refresh_from_db()
    assert item.status == Status.IN_PROCESS


def test_staff_message_shows_on_the_institution_page(
    desk: Client, portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    act(desk, item, "message", text="We are checking our holdings.")
    page = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "We are checking our holdings." in page


def test_institution_account_cannot_open_the_desk(portal: Client) -> None:
    response = portal.get(reverse("desk:queues"))
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "/admin/login/" in response["Location"]


def test_staff_without_request_permission_gets_403(institution: Institution) -> None:
    client = Client()
    client.force_login(make_staff(is_superuser=False))
    assert client.get(reverse("desk:queues")).status_code == 403


def test_claim_of_a_colleagues_request_is_refused_without_take_over(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    colleague = make_staff()
    services.claim_request(item, acting_user=colleague)
    desk.post(reverse("desk:claim", args=[item.pk]))
    item.refresh_from_db()
    assert item.claimed_by == colleague


def test_take_over_moves_the_claim(desk: Client, staff: User, institution: Institution) -> None:
    item = make_copy(institution)
    services.claim_request(item, acting_user=make_staff())
    desk.post(reverse("desk:claim", args=[item.pk]), {"take_over": "1"})
    item.refresh_from_db()
    assert item.claimed_by == staff


def test_refusing_a_held_request_that_was_already_cancelled_is_stale(
    desk: Client, institution: Institution
) -> None:
    for n in range(5):
        make_copy(institution, article_title=f"A{n}", issue=str(n))
    held = make_copy(institution, article_title="A6", issue="6")
    services.cancel_by_institution(held, seen=Status.AWAITING_CLEARANCE, acting_user=None)
    data = {"seen_status": "awaiting_clearance", "refusal_reason": "copyright", "confirm": "on"}
    response = desk.post(reverse("desk:act", args=[held.pk, "refuse"]), data)
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Status.CANCELLED


def test_admin_lists_requests_read_only(admin_client: Client, institution: Institution) -> None:
    item = make_copy(institution)
    assert admin_client.get(reverse("admin:requests_app_request_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:requests_app_request_change", args=[item.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_staff_who_may_only_view_requests_are_offered_nothing_they_may_not_do(
    institution: Institution,
) -> None:
    """Without the change permission every action, claim and batch would end on a refusal page:
    none is shown; the queue, the request and its pull slip are."""
    viewer = make_staff(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_request"))
    client = Client()
    client.force_login(viewer)
    item = make_loan(institution)
    queue = client.get(reverse("desk:queues")).content.decode()
    assert f'href="{reverse("desk:detail", args=[item.pk])}"' in queue
    assert 'name="pick"' not in queue and "With the selected requests" not in queue
    page = client.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert reverse("desk:slip", args=[item.pk]) in page
    assert "/claim/" not in page and 'id="actions-heading"' not in page
    assert client.post(reverse("desk:act", args=[item.pk, "accept"])).status_code == 403
