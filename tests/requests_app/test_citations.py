"""LCCN normalisation (the Library of Congress examples), page counts and OpenURL parsing."""

import pytest

from requests_app.citations import count_pages, normalize_lccn, openurl_initial, openurl_service


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


def test_openurl_ignores_unknown_keys() -> None:
    assert openurl_initial({"rft.atitle": "A", "evil": "x", "rft.bogus": "y"}) == {
        "article_title": "A"
    }


def test_openurl_values_are_cut_and_cleaned() -> None:
    initial = openurl_initial({"rft.jtitle": "J\x00\n" + "x" * 1000})
    assert initial["title"].startswith("J x") and len(initial["title"]) == 300


def test_openurl_joins_start_and_end_pages() -> None:
    assert openurl_initial({"rft.spage": "10", "rft.epage": "20"})["pages"] == "10-20"


@pytest.mark.parametrize(
    ("params", "service"),
    [
        ({"rft.genre": "article", "rft.jtitle": "J"}, "copy"),
        ({"rft.atitle": "A"}, "copy"),
        ({"rft.genre": "bookitem", "rft.btitle": "B"}, "copy"),
        ({"rft.genre": "book", "rft.btitle": "B"}, "loan"),
    ],
)
def test_openurl_picks_the_form_by_genre(params: dict[str, str], service: str) -> None:
    assert openurl_service(params) == service
