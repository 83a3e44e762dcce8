"""Office statistics: each figure, as the page reads it from the tallies after a refresh; the
page's charts and tables; the CSV. tests/requests_app/test_tallies.py compares the tallies with
the live figures over many requests."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import charts, stats, tallies
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app import live_stats
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def figures(year: int = YEAR) -> stats.Figures:
    """The page's figures, once the scheduled refresh has run."""
    tallies.refresh()
    return stats.for_year(year)


def supplied_after(item: Request, days: float, status: str = "on_loan") -> None:
    Request.objects.filter(pk=item.pk).update(
        status=status, supplied_at=item.created_at + timedelta(days=days), due_date="2099-01-01"
    )


def test_requests_per_month_by_type(institution: Institution) -> None:
    make_loan(institution)
    make_copy(institution)
    make_copy(institution, article_title="Other")
    month = stats.MONTHS[timezone.localtime().month - 1]
    assert (month, 1, 2, 0) in figures()["months"]


def test_fill_rate_counts_supplied_against_refused_and_cancelled(
    institution: Institution,
) -> None:
    supplied = [make_loan(institution, title=f"S{n}") for n in range(3)]
    for item in supplied:
        supplied_after(item, 1)
    refused = make_loan(institution)
    Request.objects.filter(pk=refused.pk).update(status="refused", refusal_reason="in_use")
    make_loan(institution)  # still open: not counted either way
    assert figures()["fill"] == {"supplied": 3, "unfilled": 1, "withdrawn": 0, "rate": 75.0}


def test_turnaround_median_and_90th_percentile(institution: Institution) -> None:
    for n, days in enumerate([1, 2, 3, 4, 10]):
        supplied_after(make_loan(institution, title=f"T{n}"), days)
    found = figures()["turnaround"]
    assert found["median"] == 3.0
    p90 = found["p90"]
    assert p90 is not None and 7.0 <= p90 <= 10.0  # interpolated between the 4th and 5th values


def test_refusal_reasons_and_cancellations(institution: Institution) -> None:
    for reason in ("in_use", "in_use", "not_owned"):
        item = make_loan(institution)
        Request.objects.filter(pk=item.pk).update(status="refused", refusal_reason=reason)
    Request.objects.filter(pk=make_loan(institution).pk).update(status="cancelled")
    reasons = dict(figures()["reasons"])
    assert reasons == {
        "In use": 2,
        "Not owned by the office": 1,
        stats.CANCELLED_BY_OFFICE: 1,
        stats.WITHDRAWN: 0,
    }


def test_busiest_institutions_first(institution: Institution) -> None:
    other = make_institution()
    for n in range(3):
        make_loan(other, title=f"O{n}")
    make_loan(institution)
    busiest = figures()["busiest"]
    assert busiest == [(other.oclc_symbol, 3), (institution.oclc_symbol, 1)]


def test_copyright_outcomes_and_fees(institution: Institution) -> None:
    item = make_copy(institution)
    item.record.permission_fee = Decimal("12.50")
    item.record.save(update_fields=["permission_fee"])
    make_loan(institution)
    found = figures()["copyright"]
    assert sum(n for _, n in found["outcomes"]) == 1 and found["fees"] == Decimal("12.50")


def test_other_years_are_left_out(institution: Institution) -> None:
    item = make_loan(institution)
    Request.objects.filter(pk=item.pk).update(created_at=item.created_at.replace(year=YEAR - 1))
    assert sum(loans for _, loans, *_ in figures()["months"]) == 0
    assert sum(loans for _, loans, *_ in figures(YEAR - 1)["months"]) == 1


def test_the_page_draws_each_chart_with_its_data_table(
    desk: Client, institution: Institution
) -> None:
    make_loan(institution)
    tallies.refresh()
    page = desk.get(reverse("desk:stats")).content.decode()
    assert page.count("<svg viewBox=") == 4 and page.count('aria-hidden="true"') >= 4
    # A table beside each chart, the summary's, and the revenue's (docs/fees.md, "Statistics").
    assert page.count("<table>") == 6 and institution.oclc_symbol in page


def test_bars_are_proportional(institution: Institution) -> None:
    chart = charts.chart("x", [("a", 10), ("b", 5), ("c", 0)])
    assert [bar.length for bar in chart.bars] == [400, 200, 0]


def test_csv_has_the_same_figures(desk: Client, institution: Institution) -> None:
    make_loan(institution)
    tallies.refresh()
    response = desk.get(reverse("desk:stats_csv"), {"year": str(YEAR)})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert ["busiest institutions", institution.oclc_symbol, "all", "1"] in rows


@pytest.mark.parametrize("year", ["²", "1066", "99999", "x", str(YEAR + 5)])
def test_an_odd_year_shows_this_year(desk: Client, year: str) -> None:
    response = desk.get(reverse("desk:stats"), {"year": year})
    assert response.status_code == 200 and response.context["figures"]["year"] == YEAR


def test_the_page_runs_a_constant_number_of_queries(
    desk: Client, institution: Institution, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        make_loan(make_institution() if n % 2 else institution, title=f"Q{n}")
    with django_assert_max_num_queries(14):
        assert desk.get(reverse("desk:stats")).status_code == 200


def test_a_library_cancellation_does_not_lower_the_fill_rate(
    portal: Client, desk: Client, institution: Institution
) -> None:
    supplied = make_loan(institution, title="Supplied")
    supplied_after(supplied, 1)
    withdrawn = make_loan(institution, title="Withdrawn")
    portal.post(reverse("requests:cancel", args=[withdrawn.pk]), {"seen_status": "new"})
    withdrawn.refresh_from_db()
    assert withdrawn.status == "cancelled" and withdrawn.withdrawn
    found = figures()
    assert found["fill"] == {"supplied": 1, "unfilled": 0, "withdrawn": 1, "rate": 100.0}
    office = make_loan(institution, title="Cancelled here")
    desk.post(
        reverse("desk:act", args=[office.pk, "cancel"]),
        {"seen_status": "new", "reason": "Duplicate of another request", "confirm": "on"},
    )
    found = figures()
    assert found["fill"] == {"supplied": 1, "unfilled": 1, "withdrawn": 1, "rate": 50.0}
    reasons = dict(found["reasons"])
    assert reasons[stats.CANCELLED_BY_OFFICE] == 1 and reasons[stats.WITHDRAWN] == 1
    assert found == live_stats.live_for_year(YEAR) | {"as_of": found["as_of"]}


def test_reproduction_orders_are_their_own_type_with_fill_rate_and_turnaround(
    institution: Institution,
) -> None:
    loan, copy = make_loan(institution), make_copy(institution)
    order = make_copy(institution, article_title="Plate 3", is_duplication=True)
    supplied_after(loan, 2)
    supplied_after(copy, 1, status="delivered")
    Request.objects.filter(pk=order.pk).update(status="refused", refusal_reason="too_fragile")
    found = figures()
    month = stats.MONTHS[timezone.localtime().month - 1]
    assert (month, 1, 1, 1) in found["months"]
    by_type = {label: (fill["rate"], days["median"]) for label, fill, days in found["by_type"]}
    assert by_type == {
        "Loan request": (100.0, 2.0),
        "Copy request": (100.0, 1.0),
        "Reproduction order": (0.0, None),
    }


def test_the_csv_rows_match_its_header(desk: Client, institution: Institution) -> None:
    supplied_after(make_loan(institution), 1)
    make_copy(institution)
    tallies.refresh()
    response = desk.get(reverse("desk:stats_csv"), {"year": str(YEAR)})
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == ["section", "label", "request type", "value"]
    assert rows and all(len(row) == len(header) for row in rows)
    assert ["fill rate", "rate", "Loan request", "100.0"] in rows
    assert ["busiest institutions", institution.oclc_symbol, "all", "2"] in rows


def test_fees_are_shown_as_money(desk: Client, institution: Institution) -> None:
    item = make_copy(institution)
    item.record.permission_fee = Decimal("1035.5")
    item.record.save(update_fields=["permission_fee"])
    tallies.refresh()
    page = desk.get(reverse("desk:stats")).content.decode()
    assert "US$1,035.50" in page and "US$ " not in page


def test_chart_labels_are_whole(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    Request.objects.filter(pk=item.pk).update(status="refused", refusal_reason="too_fragile")
    tallies.refresh()
    page = desk.get(reverse("desk:stats")).content.decode()
    svg = page.split("<figcaption>Unfilled requests by reason</figcaption>")[1].split("</svg>")[0]
    assert ">Too fragile to lend or copy</text>" in svg and "…" not in svg


def test_every_year_with_requests_can_be_chosen(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    old = item.created_at.replace(year=YEAR - 8)
    Request.objects.filter(pk=item.pk).update(created_at=old, updated_at=old)
    tallies.refresh()
    page = desk.get(reverse("desk:stats")).content.decode()
    options = page.split('<select id="stats-year" name="year">')[1].split("</select>")[0]
    assert options.count("<option") == 9 and f'value="{YEAR - 8}"' in options
    chosen = desk.get(reverse("desk:stats"), {"year": str(YEAR - 8)})
    assert chosen.context["figures"]["year"] == YEAR - 8
    assert sum(loans for _, loans, *_ in chosen.context["figures"]["months"]) == 1
