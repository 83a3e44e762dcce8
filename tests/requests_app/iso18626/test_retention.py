"""Log rows that belong to no request are kept until 31 December of their year + 3."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from requests_app.iso18626.models import IsoMessage
from requests_app.iso18626.retention import purge_unattached_messages
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import loan_request, make_partner, post

pytestmark = pytest.mark.django_db


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_unattached_rows_go_after_three_full_years_and_request_rows_stay(client: Client) -> None:
    make_partner(make_institution())
    post(client, loan_request("kept-with-request"))
    post(client, loan_request("stranger", requester="NOBODY"))
    post(client, loan_request("stranger-2", requester="NOBODY"))
    strangers = IsoMessage.objects.filter(request__isnull=True).order_by("pk")
    IsoMessage.objects.filter(pk=strangers[0].pk).update(created_at=_at(2022, 12, 31))
    IsoMessage.objects.filter(pk=strangers[1].pk).update(created_at=_at(2023, 1, 1))
    IsoMessage.objects.filter(request__isnull=False).update(created_at=_at(2020, 6, 1))

    deleted = purge_unattached_messages(today=date(2026, 1, 1))

    assert deleted == 1
    assert IsoMessage.objects.filter(request__isnull=True).get().created_at == _at(2023, 1, 1)
    assert IsoMessage.objects.filter(request__isnull=False).count() == 2
