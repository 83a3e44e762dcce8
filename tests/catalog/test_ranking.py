"""Holdings statements, volumes and shelf order: pure functions, no database, no catalog."""

import pytest

from catalog.models import Availability, Suggestion
from catalog.ranking import Wanted, advise, best_first, statement_covers
from catalog.records import Holding, Item, status_availability
from catalog.shelf import call_number_key

SERIAL = "v.1-40 (1945-1984); v.42-70 (1986-2014); v.72-"


@pytest.mark.parametrize(
    ("volume", "year", "covered"),
    [
        (1, None, True),
        (40, None, True),
        (41, None, False),
        (71, None, False),
        (99, None, True),  # v.72- is open: still received
        (None, 1985, False),
        (None, 2000, True),
        (None, None, None),
    ],
)
def test_a_holdings_statement_covers_its_ranges_and_not_its_gaps(
    volume: int | None, year: int | None, covered: bool | None
) -> None:
    assert statement_covers(SERIAL, Wanted(volume, year)) is covered


def test_a_statement_of_years_only_is_read_by_year() -> None:
    assert statement_covers("1990-1999, 2001-", Wanted(3, 2000)) is False
    assert statement_covers("1990-1999, 2001-", Wanted(3, 2005)) is True


def test_a_statement_nobody_can_read_decides_nothing() -> None:
    assert statement_covers("Library has: scattered issues", Wanted(3, 1990)) is None


@pytest.mark.parametrize(
    ("volume", "year", "wanted"),
    [
        ("v. 12", "1999", Wanted(12, 1999)),
        ("", "Spring 2003", Wanted(None, 2003)),
        ("", "", Wanted()),
    ],
)
def test_the_volume_and_year_asked_for(volume: str, year: str, wanted: Wanted) -> None:
    assert Wanted.of(volume, year) == wanted


@pytest.mark.parametrize(
    ("status", "availability"),
    [
        ("Available", Availability.AVAILABLE),
        ("Checked out, due 2027-01-15", Availability.CHECKED_OUT),
        ("On loan", Availability.CHECKED_OUT),
        ("Library use only", Availability.UNKNOWN),
    ],
)
def test_item_statuses_as_catalogs_word_them(status: str, availability: str) -> None:
    assert status_availability(status) == availability


def _holding(location: str, *items: Item, statement: str = "") -> Holding:
    return Holding("r1", "A title", "QA9 .A1", location, statement, items)


def test_the_copy_on_the_shelf_ranks_first_and_is_suggested_for_pulling() -> None:
    out = _holding("Annex", Item("", Availability.CHECKED_OUT))
    shelf = _holding("Stacks", Item("", Availability.AVAILABLE))
    ranked = best_first([out, shelf], Wanted())
    assert [r.holding.location for r in ranked] == ["Stacks", "Annex"]
    assert advise(ranked, "isbn").suggestion == Suggestion.PULL


def test_a_volume_missing_from_a_multi_volume_set_is_not_owned() -> None:
    volumes = _holding(
        "Stacks", Item("v.1", Availability.AVAILABLE), Item("v.3", Availability.AVAILABLE)
    )
    advice = advise(best_first([volumes], Wanted(2, None)), "isbn")
    assert (advice.suggestion, advice.clear) == (Suggestion.NOT_OWNED, True)


def test_a_title_match_is_never_clear_enough_to_answer_alone() -> None:
    out = _holding("Stacks", Item("", Availability.CHECKED_OUT))
    assert not advise(best_first([out], Wanted()), "title").clear


def test_lc_call_numbers_sort_as_the_stacks_shelve_them() -> None:
    shelved = ["QA76.73.C15 K47 1988", "QA76.6 .C662 2009", "QA9 .G35 1995", "QA76.6 .C66 2001"]
    assert sorted(shelved, key=call_number_key) == [
        "QA9 .G35 1995",
        "QA76.6 .C66 2001",
        "QA76.6 .C662 2009",
        "QA76.73.C15 K47 1988",
    ]


def test_call_numbers_that_are_not_lc_come_after_the_lc_ones() -> None:
    assert sorted(["Local 12", "Z699 .A1"], key=call_number_key) == ["Z699 .A1", "Local 12"]
