"""Identifier normalisation (LCCN by the Library of Congress examples, DOI, PMID, dates) and page
counts."""

import pytest

from requests_app.citations import (
    count_pages,
    expand_page_range,
    normalize_date,
    normalize_doi,
    normalize_lccn,
    normalize_pmid,
    read_pages,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("n78-890351", "n78890351"),
        ("n78-89035", "n78089035"),
        ("n 78890351 ", "n78890351"),
        (" 85000002 ", "85000002"),
        ("85-2 ", "85000002"),
        ("2001-000002", "2001000002"),
        ("75-425165//r75", "75425165"),
        (" 79139101 /AC/r932", "79139101"),
    ],
)
def test_lccn_is_normalised_as_the_library_of_congress_does(raw: str, normalized: str) -> None:
    assert normalize_lccn(raw) == normalized


@pytest.mark.parametrize("raw", ["", "abc", "85-1234567", "abcd78890351", "n78-x"])
def test_malformed_lccn_is_refused(raw: str) -> None:
    assert normalize_lccn(raw) is None


@pytest.mark.parametrize(
    ("pages", "count"), [("12-30", 19), ("5", 1), ("1-2, 7, 10-11", 5), ("30-12", None)]
)
def test_pages_are_counted_from_ranges(pages: str, count: int | None) -> None:
    assert count_pages(pages) == count


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("pp. 123-145", "123-145"),
        ("123-45", "123-145"),
        ("p. 12", "12"),
        ("Pages 3\u20139; 12", "3-9, 12"),
        ("e1234", "e1234"),
        ("see abstract", None),
        ("45-12", None),
        ("9" * 4400, None),
    ],
)
def test_pages_are_read_as_citations_write_them(typed: str, read: str | None) -> None:
    assert read_pages(typed) == read


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("10.1038/nature12373", "10.1038/nature12373"),
        ("https://doi.org/10.1038/nature12373", "10.1038/nature12373"),
        ("http://dx.doi.org/10.1039/b814549k", "10.1039/b814549k"),
        ("doi:10.1007/978-3-540-89330-1_22", "10.1007/978-3-540-89330-1_22"),
        (" info:doi/10.1000/182 ", "10.1000/182"),
    ],
)
def test_a_doi_is_stored_without_its_resolver_prefix(raw: str, stored: str) -> None:
    assert normalize_doi(raw) == stored


@pytest.mark.parametrize(
    "raw", ["", "nature12373", "10.12/x", "11.1038/x", "10.1038/", "10.\u0661\u0660\u0660\u0667/x"]
)
def test_what_is_not_a_doi_is_refused(raw: str) -> None:
    assert normalize_doi(raw) is None


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("27289441", "27289441"),
        ("pmid:27289441", "27289441"),
        ("info:pmid/1757671", "1757671"),
        ("https://pubmed.ncbi.nlm.nih.gov/27289441/", "27289441"),
    ],
)
def test_a_pmid_is_stored_as_digits(raw: str, stored: str) -> None:
    assert normalize_pmid(raw) == stored


@pytest.mark.parametrize("raw", ["", "0", "12a", "1234567890", "2\u0667\u0662\u0668"])
def test_what_is_not_a_pmid_is_refused(raw: str) -> None:
    assert normalize_pmid(raw) is None


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("1997", "1997"),
        ("2013-09-01", "2013-09-01"),
        ("20211001", "2021-10-01"),
        ("July 28, 2012", "2012-07-28"),
        ("Sept. 2001", "2001-09"),
        ("c2000", "2000"),
        ("Spring 1998", "1998"),
        ("no date", ""),
    ],
)
def test_citation_dates_are_read_into_the_forms_format(raw: str, normalized: str) -> None:
    assert normalize_date(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "expanded"),
    [
        ("569-82", "569-582"),
        ("625-7", "625-627"),
        ("54-58", "54-58"),
        ("1198-202", "1198-1202"),
        ("199-2", "199-2"),
        ("e1234", "e1234"),
    ],
)
def test_an_abbreviated_end_page_is_written_out(raw: str, expanded: str) -> None:
    assert expand_page_range(raw) == expanded
