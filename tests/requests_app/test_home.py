"""The staff home: what waits for the office, and links to each tool, by role."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution, OutboxMessage
from requests_app import queues
from requests_app.models import Request
from tests.factories import make_staff
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def counts(response: Any) -> dict[str, int]:
    return {slug: n for slug, _, n in response.context["waiting"]}


def test_counts_new_held_renewals_asked_for_and_overdue(
    desk: Client, institution: Institution
) -> None:
    for n in range(6):  # the sixth article of one journal is held for permission
        make_copy(institution, article_title=f"A{n}", issue=str(n))
    loan, asked = make_loan(institution), make_loan(institution)
    Request.objects.filter(pk=loan.pk).update(status="overdue", due_date="2020-01-01")
    Request.objects.filter(pk=asked.pk).update(
        status="on_loan", due_date="2099-01-01", renewal_requested_at=timezone.now()
    )
    response = desk.get(reverse("desk:home"))
    assert counts(response) == {"new": 5, "clearance": 1, "renewals": 1, "overdue": 1}
    assert f'href="{reverse("desk:queues")}?queue=renewals"' in response.content.decode()


def test_counts_undelivered_emails(desk: Client, institution: Institution) -> None:
    sent, failed, waiting = (make_loan(institution) for _ in range(3))  # each queues one email
    OutboxMessage.objects.filter(target_id=sent.pk).update(status="sent", sent_at=timezone.now())
    OutboxMessage.objects.filter(target_id=failed.pk).update(status="failed")
    assert OutboxMessage.objects.filter(target_id=waiting.pk, status="pending").exists()
    response = desk.get(reverse("desk:home"))
    assert response.context["undelivered"] == 2
    assert "2</span> emails not sent: waiting in the outbox or failed" in response.content.decode()


def test_the_undelivered_count_links_to_those_emails_in_the_outbox(
    desk: Client, institution: Institution
) -> None:
    failed, sent = make_loan(institution), make_loan(institution)
    OutboxMessage.objects.filter(target_id=failed.pk).update(status="failed")
    OutboxMessage.objects.filter(target_id=sent.pk).update(status="sent", sent_at=timezone.now())
    page = desk.get(reverse("desk:home")).content.decode()
    outbox = f"{reverse('admin:registration_outboxmessage_changelist')}?status__in=pending,failed"
    assert f'href="{outbox}"' in page
    listed = desk.get(outbox).context["cl"].result_list
    assert {message.target_id for message in listed} == {failed.pk}


def test_the_undelivered_count_stops_at_the_cap(
    desk: Client, institution: Institution, monkeypatch: Any
) -> None:
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    for _ in range(4):
        make_loan(institution)  # each queues one email, pending
    response = desk.get(reverse("desk:home"))
    assert response.context["undelivered"] == 3 and "2+</span> emails not sent" in (
        response.content.decode()
    )


def test_links_to_the_desk_the_clearance_queue_and_the_reports(desk: Client) -> None:
    page = desk.get(reverse("desk:home")).content.decode()
    for url in (
        reverse("desk:queues"),
        f"{reverse('desk:queues')}?queue=clearance",
        reverse("admin:registration_registration_changelist"),
        reverse("admin:copyright_compliance"),
    ):
        assert f'href="{url}"' in page


def test_a_verifier_sees_registrations_but_no_request_counts() -> None:
    verifier = make_staff(is_superuser=False)
    verifier.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client = Client()
    client.force_login(verifier)
    response = client.get(reverse("desk:home"))
    assert response.status_code == 200 and "waiting" not in response.context
    assert response.context["registrations"] == 0


def test_staff_see_the_home_in_the_navigation(desk: Client) -> None:
    page = desk.get(reverse("desk:queues")).content.decode()
    assert f'href="{reverse("desk:home")}">Staff home</a>' in page
