"""Many requests (bulk-created): the pages keep a constant number of queries and the filters
the lists use are indexed."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from copyright_rules.models import Record
from registration.models import Institution
from requests_app.models import Request, Status
from tests.factories import make_institution

pytestmark = pytest.mark.django_db

ROWS = 10_000


def bulk_requests(institutions: list[Institution], n: int) -> None:
    now = timezone.now()
    statuses = [s.value for s in Status if s not in ("on_loan", "overdue", "refused", "quoted")]
    records = Record.objects.bulk_create(
        Record(
            institution=institutions[i % len(institutions)],
            service="copy",
            created_at=now - timedelta(minutes=i),
            local_date=date(2026, 1, 1),
            year=2026,
            outcome="ACCEPT_CCG",
            retain_until=date(2029, 12, 31),
            purge_on=date(2030, 1, 1),
            time_zone="UTC",
            purge_at=datetime(2030, 1, 1, tzinfo=UTC),
        )
        for i in range(n)
    )
    Request.objects.bulk_create(
        (
            Request(
                institution=record.institution,
                record=record,
                service="copy",
                status=statuses[i % len(statuses)],
                created_at=record.created_at,
                title=f"Journal {i % 500}",
                article_title=f"Article {i}",
            )
            for i, record in enumerate(records)
        ),
        batch_size=2000,
    )


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


PORTAL_URLS = ("/requests/list/", "/requests/list/?status=new&q=Article", "/requests/")
DESK_URLS = ("/desk/?queue=new", "/desk/?queue=finished", "/desk/?queue=clearance")


def test_portal_pages_with_many_requests_use_the_same_queries(
    portal: Client, institution: Institution
) -> None:
    bulk_requests([institution], 30)
    small = [queries(portal, url) for url in PORTAL_URLS]
    bulk_requests([institution, make_institution()], ROWS)
    assert [queries(portal, url) for url in PORTAL_URLS] == small


def test_desk_queues_with_many_requests_use_the_same_queries(
    desk: Client, institution: Institution
) -> None:
    bulk_requests([institution], 30)
    small = [queries(desk, url) for url in DESK_URLS]
    bulk_requests([institution, make_institution()], ROWS)
    assert [queries(desk, url) for url in DESK_URLS] == small


@pytest.mark.postgres_only
def test_institution_list_reads_an_index(institution: Institution) -> None:
    bulk_requests([institution, make_institution(), make_institution()], ROWS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE requests_app_request")
    rows = Request.objects.for_institution(institution).filter(status="new")[:25]
    plan = rows.explain()
    assert "Index" in plan and "Seq Scan on requests_app_request" not in plan


@pytest.mark.postgres_only
def test_the_renewal_queue_reads_its_partial_index(desk: Client, institution: Institution) -> None:
    """Every query of the renewal requests page that reads the column reads the index of the few
    pending rows, never the table nor every loan out."""
    bulk_requests([institution, make_institution()], ROWS)
    out = list(Request.objects.filter(status="new").values_list("pk", flat=True)[:1000])
    Request.objects.filter(pk__in=out).update(status="on_loan", due_date=date(2099, 1, 1))
    Request.objects.filter(pk__in=out[:20]).update(renewal_requested_at=timezone.now())
    with connection.cursor() as cursor:
        # Every table the page joins, as in a database in use (stale figures of an empty table
        # left by earlier tests make any plan look cheapest).
        cursor.execute(
            "ANALYZE requests_app_request, copyright_rules_record, registration_institution,"
            " auth_user"
        )
    with CaptureQueriesContext(connection) as captured:
        assert desk.get("/desk/?queue=renewals").status_code == 200
    reading = [q["sql"] for q in captured if "renewal_requested_at" in q["sql"].split("WHERE")[-1]]
    assert len(reading) == 2  # the tab's bounded count and the page
    with connection.cursor() as cursor:
        for sql in reading:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert (
                "request_renewal_pending" in plan and "Seq Scan on requests_app_request" not in plan
            )
