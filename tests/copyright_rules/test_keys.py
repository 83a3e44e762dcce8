"""Title and work keys: SPEC.md section 1 and clarifications 2-5 and 8."""

import pytest

from copyright_rules.keys import (
    Authority,
    KeySource,
    normalize_author,
    normalize_isbn,
    normalize_issn,
    normalize_title,
    periodical_key,
    work_key,
)
from copyright_rules.rules import matching_titles

NATURE = Authority.of_groups(
    issn_groups=[["0028-0836", "1476-4687"], ["0140-6736", "1474-547X"]],
    title_groups={"nature": 0, "lancet": 1},
    isbn_groups=[["9780262033848", "9780262533058"]],
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0028-0836", "0028-0836"),
        ("00280836", "0028-0836"),
        ("00368075", "0036-8075"),  # clarification 2
        ("1474-547x", "1474-547X"),  # clarification 2: lower-case x
        ("  1474-547X  ", "1474-547X"),  # trimmed
        ("0028--0836", "0028-0836"),  # every hyphen removed
        ("0028\u20100836", "0028-0836"),  # U+2010 HYPHEN
        ("ISSN 0028-0836", None),  # clarification 2: stricter than stdnum
        ("0028 0836", None),  # inner space
        ("0028\u20130836", None),  # an en dash is not a hyphen
        ("1476-4688", None),  # wrong check digit (P21)
        ("0027-8425", None),  # wrong check digit (P30)
        ("0028-083", None),  # too short
        ("0028-08366", None),  # too long
        ("X028-0836", None),  # X only as the check character
        ("\uff10\uff10\uff12\uff18\uff10\uff18\uff13\uff16", None),  # full-width digits
        ("", None),
    ],
)
def test_issn_normalisation(raw: str, expected: str | None) -> None:
    assert normalize_issn(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9780262033848", "9780262033848"),
        ("978-0-262-03384-8", "9780262033848"),
        ("978 0 262 03384 8", "9780262033848"),
        ("0262033844", "9780262033848"),  # ISBN-10 converted to ISBN-13
        ("0-262-03384-4", "9780262033848"),
        ("080442957x", "9780804429573"),  # ISBN-10 with a lower-case X check digit
        ("9780262033849", None),  # wrong check digit: ignored, never repaired
        ("0262033845", None),
        ("ISBN 9780262033848", None),
        ("97802620338", None),
        ("", None),
    ],
)
def test_isbn_normalisation(raw: str, expected: str | None) -> None:
    assert normalize_isbn(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nature", "nature"),
        ("THE LANCET.", "lancet"),  # P27
        ("The Lancet", "lancet"),
        ("Nat. Genet.", "nat genet"),  # abbreviations are not expanded (P29)
        ("J.Am.Chem.Soc.", "j am chem soc"),  # clarification 5
        ("Children's Literature", "childrens literature"),  # clarification 5
        ("Children\u2019s Literature", "childrens literature"),  # U+2019
        ("Children\u02bcs Literature", "childrens literature"),  # U+02BC
        ("Science & Society", "science and society"),  # clarification 4
        ("Science&Society", "science and society"),  # ` and ` has spaces
        ("Science\uff06Society", "science and society"),  # full-width & via NFKC
        ("The", "the"),  # clarification 5: no space after the article
        ("A", "a"),
        ("An", "an"),
        ("Anthropology Today", "anthropology today"),  # `an` only as a word
        ("Theory and Society", "theory and society"),
        ("The The", "the"),  # one article only
        ("A An Journal", "an journal"),
        ("  The   Lancet  ", "lancet"),  # collapsed before the article is removed
        ("Physics\u00a0Today", "physics today"),  # NBSP is whitespace
        ("Stra\u00dfe", "strasse"),  # casefold
        ("\ufb01nance", "finance"),  # NFKC ligature
        ("Science (New York, N.Y.)", "science new york n y"),
        ("Mathematics + Music", "mathematics + music"),  # symbols (Sm) are kept
        ("Price $ Index", "price $ index"),  # Sc kept
        ("Art\u2014Design", "art design"),  # Pd becomes a space
        ("\u00abLe Monde\u00bb", "le monde"),  # Pi/Pf
        ("", ""),
        ("...", ""),
    ],
)
def test_title_normalisation(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A. Smith", "a smith"),  # clarification 8: no article removal
        ("Cormen, Thomas H.; Leiserson, Charles E.", "cormen thomas h"),
        (["Du Bois, W. E. B.", "Someone Else"], "du bois w e b"),
        ("The Editors", "the editors"),
        (None, ""),
        ([], ""),
        ("  ;second", ""),
    ],
)
def test_author_normalisation(raw: str | list[str] | None, expected: str) -> None:
    assert normalize_author(raw) == expected


@pytest.mark.parametrize(
    ("title", "issns", "key", "source"),
    [
        ("Nature", ["0028-0836"], "ISSN-GROUP:0", KeySource.ISSN_GROUP),
        ("Nature (Online)", ["1476-4687"], "ISSN-GROUP:0", KeySource.ISSN_GROUP),
        ("Whatever", ["0036-8075", "1474-547X"], "ISSN-GROUP:1", KeySource.ISSN_GROUP),
        ("Lancet", ["1474-547X", "0028-0836"], "ISSN-GROUP:1", KeySource.ISSN_GROUP),
        ("THE LANCET.", [], "ISSN-GROUP:1", KeySource.TITLE_GROUP),
        ("Nature", ["1476-4688"], "ISSN-GROUP:0", KeySource.TITLE_GROUP),
        ("Science", ["0036-8075"], "ISSN:0036-8075", KeySource.ISSN),
        ("Science", ["bad", "00368075"], "ISSN:0036-8075", KeySource.ISSN),
        ("Nat. Genet.", [], "TITLE:nat genet", KeySource.TITLE),
        ("PNAS", ["0027-8425"], "TITLE:pnas", KeySource.TITLE),
        (None, ["1476-4688"], None, KeySource.NONE),
        ("  ", [], None, KeySource.NONE),
    ],
)
def test_periodical_key(
    title: str | None, issns: list[str], key: str | None, source: KeySource
) -> None:
    result = periodical_key(title, issns, NATURE)
    assert (result.key, result.source) == (key, source)


def test_periodical_key_skips_invalid_issns() -> None:
    result = periodical_key("Science", ["1476-4688", "0036-8075", "ISSN 1"], NATURE)
    assert (result.key, result.source) == ("ISSN:0036-8075", KeySource.ISSN)


@pytest.mark.parametrize(
    ("source", "unverified"),
    [
        (KeySource.ISSN_GROUP, False),
        (KeySource.TITLE_GROUP, False),
        (KeySource.ISSN, True),
        (KeySource.TITLE, True),
        (KeySource.ISBN, False),
        (KeySource.WORK, False),
    ],
)
def test_only_step_three_and_four_keys_are_unverified(source: KeySource, unverified: bool) -> None:
    keys = {
        KeySource.ISSN_GROUP: periodical_key("x", ["0028-0836"], NATURE),
        KeySource.TITLE_GROUP: periodical_key("Nature", [], NATURE),
        KeySource.ISSN: periodical_key("x", ["0036-8075"], NATURE),
        KeySource.TITLE: periodical_key("x", [], NATURE),
        KeySource.ISBN: work_key("x", None, ["9780486231341"], NATURE),
        KeySource.WORK: work_key("x", None, [], NATURE),
    }
    assert keys[source].source is source
    assert keys[source].unverified is unverified


@pytest.mark.parametrize(
    ("title", "author", "isbns", "key"),
    [
        ("Intro", None, ["9780262533058"], "ISBN-GROUP:0"),
        ("Intro", None, ["0262033844"], "ISBN-GROUP:0"),  # ISBN-10 of the hardcover
        ("Intro", None, ["9780486231341", "9780262533058"], "ISBN-GROUP:0"),
        ("Intro", None, ["978-0-486-23134-1"], "ISBN:9780486231341"),
        ("Intro", None, ["9780486231342", "9780486231341"], "ISBN:9780486231341"),
        (
            "The Souls of Black Folk",
            "Du Bois, W. E. B.",
            [],
            "WORK:souls of black folk|du bois w e b",
        ),
        ("The Souls of Black Folk", None, ["9780486231342"], "WORK:souls of black folk|"),
        ("Collected Essays", ["A. Smith", "B. Jones"], [], "WORK:collected essays|a smith"),
        (None, "Someone", [], None),  # an author alone does not name a work (P25)
        (None, None, [], None),
    ],
)
def test_work_key(
    title: str | None, author: str | list[str] | None, isbns: list[str], key: str | None
) -> None:
    assert work_key(title, author, isbns, NATURE).key == key


def test_group_ids_from_the_database_name_the_keys() -> None:
    authority = Authority.of_groups(
        issn_groups=[["0028-0836", "1476-4687"]],
        title_groups={"nature": "17"},
        isbn_groups=[["9780262033848"]],
        issn_group_ids=["17"],
        isbn_group_ids=["42"],
    )
    assert periodical_key(None, ["1476-4687"], authority).key == "ISSN-GROUP:17"
    assert periodical_key("Nature", [], authority).key == "ISSN-GROUP:17"
    assert work_key(None, None, ["0262033844"], authority).key == "ISBN-GROUP:42"


def test_group_key_does_not_depend_on_the_member_cited() -> None:
    keys = {periodical_key(None, [issn], NATURE).key for issn in ["00280836", "1476-4687"]}
    assert keys == {"ISSN-GROUP:0"}


def test_authority_ignores_invalid_members_and_first_group_wins() -> None:
    authority = Authority.of_groups(
        issn_groups=[["1476-4688", "0028-0836"], ["0028-0836", "0036-8075"]]
    )
    assert authority.by_issn.get("0028-0836") == "ISSN-GROUP:0"
    assert authority.by_issn.get("0036-8075") == "ISSN-GROUP:1"
    assert authority.by_issn.get("1476-4688") is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"issn_groups": [["0028-0836"]], "issn_group_ids": ["1", "2"]},
        {"issn_groups": [["0028-0836"], ["0036-8075"]], "issn_group_ids": ["1", "1"]},
        {"issn_groups": [["0028-0836"]], "title_groups": {"nature": "9"}},
        {"issn_groups": [], "title_groups": {"nature": 3}},
    ],
)
def test_authority_rejects_inconsistent_groups(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Authority.of_groups(**kwargs)  # type: ignore[arg-type]


# --- docs/copyright.md section 10, rulings 6 and 7 -------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nat\u200bure", "nature"),  # zero-width space: a format character
        ("Na\u00adture", "nature"),  # soft hyphen
        ("Nature\u2060", "nature"),  # word joiner
        ("Children\u00b4s Health", "childrens health"),  # acute accent used as an apostrophe
        ("Children\u2018s Health", "childrens health"),
        ("Children`s Health", "childrens health"),
        ("Children\u201bs Health", "childrens health"),
    ],
)
def test_ruling_7_normalization(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected


@pytest.mark.parametrize(
    ("cited", "known", "matches"),
    [
        ("College and Research Libraries", "college and research libraries", True),  # equal
        ("Coll Res Libr", "college and research libraries", True),  # abbreviation
        ("N\u0430ture", "nature", True),  # Cyrillic a: the same confusable skeleton
        ("Natur", "nature", True),  # ratio 91
        ("Nature Journal", "nature", True),  # "nature" begins its first significant word
        ("Science", "nature", False),
        ("Journal of Physics B", "journal of physics a", True),  # ratio 95: doubted unless ISSN
        ("Lancet", "nature", False),
    ],
)
def test_ruling_6_matches(cited: str, known: str, matches: bool) -> None:
    assert (matching_titles(cited, [known]) == [known]) is matches
