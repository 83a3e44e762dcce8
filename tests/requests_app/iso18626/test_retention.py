"""A partner's log rows that belong to no request are kept until 31 December of their year + 3;
what a sender that failed authentication sent is kept as metadata only, for
ISO18626_UNAUTHENTICATED_DAYS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from requests_app.iso18626.models import IsoMessage
from requests_app.iso18626.retention import purge_unattached_messages
from requests_app.iso18626.tasks import purge_unattached_messages as purge_task
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import loan_request, make_partner, post

pytestmark = pytest.mark.django_db


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_a_partners_unattached_rows_go_after_three_full_years_and_request_rows_stay(
    client: Client,
) -> None:
    make_partner(make_institution())
    post(client, loan_request("kept-with-request"))
    post(client, loan_request("wrong-office", supplier="US-XYZ"))
    post(client, loan_request("wrong-office-2", supplier="US-XYZ"))
    unattached = IsoMessage.objects.filter(request__isnull=True).order_by("pk")
    IsoMessage.objects.filter(pk=unattached[0].pk).update(created_at=_at(2022, 12, 31))
    IsoMessage.objects.filter(pk=unattached[1].pk).update(created_at=_at(2023, 1, 1))
    IsoMessage.objects.filter(request__isnull=False).update(created_at=_at(2020, 6, 1))

    deleted = purge_unattached_messages(now=_at(2026, 1, 1))

    assert deleted == 1
    assert IsoMessage.objects.filter(request__isnull=True).get().created_at == _at(2023, 1, 1)
    assert IsoMessage.objects.filter(request__isnull=False).count() == 2


def test_unauthenticated_metadata_goes_after_the_configured_days(
    client: Client, settings: object
) -> None:
    post(client, loan_request("stranger", requester="NOBODY"))
    post(client, loan_request("stranger-2", requester="NOBODY"))
    older, newer = IsoMessage.objects.order_by("pk")
    now = timezone.now()
    IsoMessage.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=92))
    IsoMessage.objects.filter(pk=newer.pk).update(created_at=now - timedelta(days=88))

    deleted = purge_task()

    assert deleted == 1
    assert list(IsoMessage.objects.values_list("pk", flat=True)) == [newer.pk]


def test_the_days_kept_are_a_setting(client: Client, settings: object) -> None:
    settings.ISO18626_UNAUTHENTICATED_DAYS = 7  # type: ignore[attr-defined]
    post(client, loan_request("stranger", requester="NOBODY"))
    IsoMessage.objects.update(created_at=timezone.now() - timedelta(days=9))

    assert purge_task() == 1
