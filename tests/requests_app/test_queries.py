"""Constant query counts whatever the number of requests, and the submission's query budget."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import Institution
from requests_app import services
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.factories import make_copy, make_loan
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db


def grow(institution: Institution, n: int) -> None:
    for i in range(n):
        item = make_copy(institution, article_title=f"Article {i}", issue=str(i))
        services.claim_request(item, acting_user=institution.user)
        make_loan(institution, title=f"Book {i}")


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def pages(item: Request) -> dict[str, Callable[[Client, Client], tuple[Client, str]]]:
    return {
        "portal list": lambda p, d: (p, reverse("requests:list")),
        "portal dashboard": lambda p, d: (p, reverse("requests:dashboard")),
        "portal detail": lambda p, d: (p, reverse("requests:detail", args=[item.pk])),
        "desk new queue": lambda p, d: (d, f"{reverse('desk:queues')}?queue=new"),
        "desk clearance queue": lambda p, d: (d, f"{reverse('desk:queues')}?queue=clearance"),
        "desk detail": lambda p, d: (d, reverse("desk:detail", args=[item.pk])),
    }


@pytest.mark.parametrize(
    "page",
    [
        "portal list",
        "portal dashboard",
        "portal detail",
        "desk new queue",
        "desk clearance queue",
        "desk detail",
    ],
)
def test_page_runs_a_constant_number_of_queries(
    portal: Client, desk: Client, institution: Institution, page: str
) -> None:
    item = make_copy(institution)
    grow(institution, 6)  # past the rule of five: the clearance queue has rows too
    client, url = pages(item)[page](portal, desk)
    small = count(client, url)
    grow(institution, 8)
    services.send_message(item, text="More events", acting_user=None)
    assert count(client, url) == small
    assert small <= 12


@pytest.mark.django_db(transaction=True)
def test_copy_submission_fits_the_query_budget(
    broker: str, django_assert_max_num_queries: Any
) -> None:
    """From session load to redirect, with the email task queued on a real broker."""
    institution = make_institution()
    client = Client()
    client.force_login(institution.user)  # type: ignore[arg-type]
    with django_assert_max_num_queries(10):
        response = client.post(reverse("requests:new_copy"), COPY_POST)
    assert response.status_code == 302 and Request.objects.count() == 1
