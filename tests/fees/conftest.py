from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fees.models import Fee, FeeService
from requests_app.models import Request
from tests.requests_app.conftest import (  # noqa: F401  (the same fixtures as the desk's tests)
    desk,
    institution,
    media_root,
    other_institution,
    portal,
    staff,
)


def make_schedule() -> dict[FeeService, Fee]:
    """A small schedule: loans $15 (+$10 rush), articles $5 for 10 pages then $0.25 a page,
    a lost loan's replacement $120."""
    fees = {
        FeeService.LOAN: Fee(service=FeeService.LOAN, base="15.00", rush="10.00"),
        FeeService.ARTICLE: Fee(
            service=FeeService.ARTICLE, base="5.00", pages_included=10, per_page="0.25"
        ),
        FeeService.LOST_LOAN: Fee(service=FeeService.LOST_LOAN, base="120.00"),
    }
    Fee.objects.bulk_create(fees.values())
    return fees


@pytest.fixture
def schedule(db: None) -> dict[FeeService, Fee]:
    return make_schedule()


def act(client: Client, item: Request, action: str, **data: Any) -> Any:
    item.refresh_from_db()
    url = reverse("desk:act", args=[item.pk, action])
    return client.post(url, {"seen_status": item.status, **data}, follow=True)
