"""Lookups against the real test catalog: strongest identifier first, candidates best first,
and the suggestion the holdings make (docs/catalog.md)."""

from datetime import date
from typing import Any

import pytest
from django.test import Client

from catalog import services
from catalog.models import Availability, Lookup, MatchedBy, State, Suggestion
from registration.models import Institution
from requests_app.models import Request
from tests.catalog.conftest import use_catalog
from tests.requests_app.factories import make_copy, make_loan
from tests.requests_app.iso18626.helpers import loan_request, make_partner, post
from tests.services import ZebraCatalog


def _looked_up(item: Any) -> Lookup:
    lookup = services.look_up(item.pk)
    assert lookup is not None
    return lookup


def test_the_strongest_identifier_is_searched_first(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, title="Wrong title", lccn="2009008593", isbn="9780226458083")
    lookup = _looked_up(item)
    best = lookup.candidates.first()
    assert lookup.matched_by == MatchedBy.LCCN and lookup.state == State.FOUND
    assert lookup.searched == "LCCN 2009008593"  # it stopped at the first that found it
    assert best is not None and best.title == "Introduction to algorithms"
    assert (best.call_number, best.location) == ("QA76.6 .C662 2009", "Main Reading Room stacks")


@pytest.mark.parametrize("protocol", ["sru", "z3950"])
def test_an_iso_request_naming_only_our_record_is_looked_up_by_its_record_id(
    settings: Any,
    client: Client,
    institution: Institution,
    catalog: ZebraCatalog,
    protocol: str,
) -> None:
    """ReShare may send only supplierUniqueRecordId: the request's title is then a placeholder,
    and the lookup searches the catalog's record id (001), not that title."""
    use_catalog(settings, catalog, protocol=protocol)
    make_partner(institution)
    body = loan_request("only-record").replace(
        b"<title>Lord of the Rings</title><author>JRR Tolkien</author>",
        b"<supplierUniqueRecordId>cat0002</supplierUniqueRecordId>",
    )
    assert post(client, body).status_code == 200
    item = Request.objects.get(iso_transaction__requesting_agency_request_id="only-record")
    assert "cat0002" in item.title  # the placeholder the form needs
    lookup = _looked_up(item)
    assert lookup.searched == "our record id cat0002"
    assert lookup.matched_by == MatchedBy.RECORD and lookup.state == State.FOUND
    best = lookup.candidates.first()
    assert best is not None and best.title == "The structure of scientific revolutions"
    assert lookup.suggestion == Suggestion.IN_USE and lookup.clear


def test_an_available_book_is_suggested_for_pulling(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    lookup = _looked_up(make_loan(institution, isbn="978-0-262-03384-8"))
    assert lookup.suggestion == Suggestion.PULL
    assert lookup.candidates.get().availability == Availability.AVAILABLE


def test_an_isbn_10_finds_the_record_catalogued_with_its_isbn_13(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    lookup = _looked_up(make_loan(institution, isbn="0262033844"))
    assert lookup.matched_by == MatchedBy.ISBN and lookup.state == State.FOUND


def test_a_checked_out_book_is_suggested_in_use_with_its_due_date(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    lookup = _looked_up(make_loan(institution, isbn="9780226458083"))
    candidate = lookup.candidates.get()
    assert candidate.availability == Availability.CHECKED_OUT
    assert candidate.due_date == date(2027, 1, 15)
    assert lookup.suggestion == Suggestion.IN_USE and "2027-01-15" in lookup.suggestion_note
    assert lookup.clear


@pytest.mark.parametrize(
    ("volume", "year", "suggestion"),
    [("41", "1985", Suggestion.NOT_OWNED), ("45", "1989", Suggestion.PULL)],
)
def test_a_volume_in_the_gap_of_a_serials_holdings_is_not_owned(
    institution: Institution, catalog: ZebraCatalog, volume: str, year: str, suggestion: str
) -> None:
    item = make_copy(institution, issn="0022-0418", volume=volume, publication_date=year)
    lookup = _looked_up(item)
    assert lookup.matched_by == MatchedBy.ISSN
    assert lookup.suggestion == suggestion
    assert lookup.candidates.get().holdings == "v.1-40 (1945-1984); v.42-70 (1986-2014)"


@pytest.mark.parametrize(
    ("volume", "suggestion", "due"),
    [
        ("2", Suggestion.NOT_OWNED, None),
        ("v. 5", Suggestion.IN_USE, date(2027, 2, 1)),
        ("3", Suggestion.PULL, None),
    ],
)
def test_each_volume_of_a_multi_volume_set_is_judged_by_its_own_item(
    institution: Institution,
    catalog: ZebraCatalog,
    volume: str,
    suggestion: str,
    due: date | None,
) -> None:
    lookup = _looked_up(make_loan(institution, isbn="9780521214476", volume=volume))
    assert lookup.suggestion == suggestion
    assert lookup.candidates.get().due_date == due


def test_the_copy_on_the_shelf_ranks_before_the_rare_book_room(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    lookup = _looked_up(make_loan(institution, title="Moby Dick", oclc_number="ocm04149398"))
    ranked = list(lookup.candidates.values_list("location", "availability"))
    assert lookup.matched_by == MatchedBy.OCLC
    assert ranked == [
        ("Main Reading Room stacks", Availability.AVAILABLE),
        ("Rare Book Reading Room", Availability.UNKNOWN),
    ]


def test_without_identifiers_the_title_and_author_are_searched(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, title="Introduction to algorithms", author="Cormen, Thomas H.")
    lookup = _looked_up(item)
    assert lookup.matched_by == MatchedBy.TITLE
    assert lookup.candidates.get().call_number == "QA76.6 .C662 2009"
    assert not lookup.clear  # a title match never answers a request by itself


def test_a_title_not_in_the_catalog_is_suggested_not_owned(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, title="A book nobody catalogued", isbn="9780140449136")
    lookup = _looked_up(item)
    assert lookup.state == State.NOT_FOUND and lookup.suggestion == Suggestion.NOT_OWNED
    assert "ISBN 9780140449136" in lookup.searched and "title and author" in lookup.searched


def test_opac_records_give_item_status_and_due_dates(
    settings: Any, institution: Institution, catalog: ZebraCatalog
) -> None:
    settings.CATALOG_RECORD_SCHEMA = "opacxml"
    lookup = _looked_up(make_loan(institution, isbn="9780521214476", volume="5"))
    candidate = lookup.candidates.get()
    assert candidate.availability == Availability.CHECKED_OUT
    assert candidate.due_date == date(2027, 2, 1)
    assert candidate.call_number == "DS735 .C3145"


def test_a_new_lookup_replaces_the_candidates(
    institution: Institution, catalog: ZebraCatalog
) -> None:
    item = make_loan(institution, isbn="9780262033848")
    _looked_up(item)
    lookup = _looked_up(item)
    assert lookup.candidates.count() == 1 and Lookup.objects.count() == 1
