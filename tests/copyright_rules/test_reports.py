"""The compliance and fee reports (admin views and CSV)."""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse

from copyright_rules import services
from copyright_rules.models import Record
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    at,
    decide_and_record,
    make_institution,
    make_staff,
    request_of,
    title_group,
)

pytestmark = pytest.mark.django_db


def submit(institution: Institution, year: int = 2024, **overrides: Any) -> Record:
    with transaction.atomic():
        record, _ = decide_and_record(
            institution,
            request_of(
                article(publication_date=str(year), **overrides),
                service="copy",
                created_at=at(year, 7),
            ),
        )
    return record


def copies(institution: Institution, count: int, year: int = 2024, **overrides: Any) -> None:
    for n in range(count):
        submit(institution, year, article=f"{year}-{n}", **overrides)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


def test_compliance_report_counts_each_of_four_years(admin_client: Client) -> None:
    group = title_group("Nature", ("issn", "0028-0836"))
    institution = make_institution(oclc_symbol="ZZA")
    copies(institution, 2, 2024)
    copies(institution, 3, 2023)
    copies(institution, 1, 2021)
    copies(institution, 1, 2020)

    response = admin_client.get(reverse("admin:copyright_compliance_csv"), {"year": "2024"})

    header, *rows = csv_rows(response.content)
    assert header[4:8] == ["2024", "2023", "2022", "2021"]
    assert rows == [
        ["ZZA", institution.name, "Nature", f"ISSN-GROUP:{group.pk}", "2", "3", "0", "1", "5"]
    ]


def test_titles_at_the_limit_come_first(admin_client: Client) -> None:
    institution = make_institution()
    copies(institution, 1, title="Quiet Journal", issns=["0002-7863"])
    copies(institution, 5, title="Busy Journal", issns=["0140-6736"])

    response = admin_client.get(reverse("admin:copyright_compliance"), {"year": "2024"})

    rows = response.context["rows"]
    assert [(row.title_key, row.standing) for row in rows] == [
        ("ISSN:0140-6736", "at the limit"),
        ("ISSN:0002-7863", ""),
    ]


def test_held_and_cancelled_requests_are_not_counted(admin_client: Client) -> None:
    institution = make_institution()
    copies(institution, 6)
    cancelled = Record.objects.filter(status=Record.Status.ACCEPTED).first()
    assert cancelled is not None
    services.set_record_status(cancelled, Record.Status.CANCELLED)

    response = admin_client.get(reverse("admin:copyright_compliance"), {"year": "2024"})

    assert [row.counts[0] for row in response.context["rows"]] == [4]


def test_the_report_can_be_limited_to_one_institution(admin_client: Client) -> None:
    copies(make_institution(oclc_symbol="ONE"), 1)
    copies(make_institution(oclc_symbol="TWO"), 1)

    response = admin_client.get(
        reverse("admin:copyright_compliance"), {"year": "2024", "institution": "two"}
    )

    assert [row.institution for row in response.context["rows"]] == ["TWO"]


def test_the_compliance_page_renders_a_table(admin_client: Client) -> None:
    copies(make_institution(), 5)

    response = admin_client.get(reverse("admin:copyright_compliance"), {"year": "2024"})

    page = response.content.decode()
    assert '<table id="compliance-report">' in page
    assert "at the limit" in page


def test_a_nonsense_year_falls_back_to_this_year(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:copyright_compliance"), {"year": "2024; drop"})

    assert response.status_code == 200
    assert response.context["year"] >= 2026


def test_fee_report_lists_permissions_and_whether_paid(admin_client: Client) -> None:
    institution = make_institution(oclc_symbol="FEE")
    copies(institution, 5)
    held = submit(institution, article="sixth")
    staff = make_staff(username="clearance-desk")
    services.record_permission(held, reference="CCC-778", fee=Decimal("40"), acting_user=staff)

    response = admin_client.get(reverse("admin:copyright_fees_csv"))

    assert response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response.content)
    assert header[-5:] == ["permission reference", "entered by", "confirmed", "fee", "paid"]
    assert rows == [
        [
            str(held.pk),
            "FEE",
            "2024-07-01",
            held.title_key,
            "CCC-778",
            "clearance-desk",
            "yes",
            "40.00",
            "no",
        ]
    ]


def test_fee_report_shows_a_reference_the_library_entered_as_unconfirmed(
    admin_client: Client,
) -> None:
    institution = make_institution(oclc_symbol="LIB")
    copies(institution, 5)
    held = submit(institution, article="sixth")
    library_user = User.objects.create_user("lib-user")
    services.record_permission(held, reference="CCC-9", acting_user=library_user)

    _, row = csv_rows(admin_client.get(reverse("admin:copyright_fees_csv")).content)

    assert row[4:7] == ["CCC-9", "lib-user", "no"]


def test_fee_report_neutralises_spreadsheet_formulas(admin_client: Client) -> None:
    institution = make_institution()
    copies(institution, 5)
    held = submit(institution, article="sixth")
    services.record_permission(held, reference="=HYPERLINK(1)", acting_user=None)

    response = admin_client.get(reverse("admin:copyright_fees_csv"))

    _, row = csv_rows(response.content)
    assert row[4] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    "name", ["copyright_compliance", "copyright_compliance_csv", "copyright_fees_csv"]
)
def test_reports_are_for_staff_only(client: Client, name: str) -> None:
    response = client.get(reverse(f"admin:{name}"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
