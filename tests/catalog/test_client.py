"""Searching the real test catalog (Zebra) over SRU 1.1 and 2.0 and Z39.50."""

from typing import Any

import pytest

from catalog import client
from catalog.client import Deadline, Query
from catalog.models import MatchedBy
from catalog.records import holdings_of
from tests.catalog.conftest import use_catalog
from tests.services import ZebraCatalog


def _titles(records: list[Any]) -> list[str]:
    return [holding.title for record in records for holding in holdings_of(record)]


@pytest.mark.parametrize("version", ["1.1", "2.0"])
def test_sru_finds_a_book_by_isbn(settings: Any, catalog: ZebraCatalog, version: str) -> None:
    settings.CATALOG_SRU_VERSION = version
    found = client.search(Query(MatchedBy.ISBN, ("9780262033848",)), Deadline.starting_now(5))
    assert _titles(found) == ["Introduction to algorithms"]


def test_sru_finds_by_title_words_and_author(catalog: ZebraCatalog) -> None:
    query = Query(MatchedBy.TITLE, ("algorithms introduction",), "Cormen")
    assert _titles(client.search(query, Deadline.starting_now(5))) == ["Introduction to algorithms"]


def test_z3950_finds_by_lccn_and_oclc_number(settings: Any, zebra_catalog: ZebraCatalog) -> None:
    use_catalog(settings, zebra_catalog, protocol="z3950")
    by_lccn = client.search(Query(MatchedBy.LCCN, ("2012005926",)), Deadline.starting_now(5))
    by_oclc = client.search(Query(MatchedBy.OCLC, ("4149398",)), Deadline.starting_now(5))
    assert _titles(by_lccn) == ["The structure of scientific revolutions"]
    assert _titles(by_oclc) == ["Moby-Dick, or, The whale", "Moby-Dick, or, The whale"]


def test_nothing_found_is_an_empty_answer(catalog: ZebraCatalog) -> None:
    assert client.search(Query(MatchedBy.ISSN, ("1234-5679",)), Deadline.starting_now(5)) == []
