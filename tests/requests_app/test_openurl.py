"""OpenURL intake, table-driven over real links (../shared/openurl/real-openurls.txt, exactly as
citation databases sent them): each lands on the right form with the right fields filled in."""

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from requests_app.openurl import parse_kev, read_openurl

pytestmark = pytest.mark.django_db

REAL_OPENURLS = Path(__file__).resolve().parents[2] / "../shared/openurl/real-openurls.txt"

COPY, LOAN = "requests:new_copy", "requests:new_loan"
REPRODUCTION = "requests:new_duplication"

# A distinctive part of each real link -> the form it must open and the fields it must fill.
EXPECTED: dict[str, tuple[str, dict[str, str]]] = {
    "WOS:WOS": (
        COPY,
        {
            "work_kind": "periodical",
            "title": "ADOLESCENCE",
            "article_title": "Transitions in family structure and adolescent well-being",
            "author": "Spruijt, E",
            "publication_date": "1997",
            "volume": "32",
            "issue": "128",
            "pages": "897-911",
            "issn": "0001-8449",
        },
    ),
    "credoreference": (
        COPY,
        {
            "title": "New York Times",
            "article_title": "The Conversion of a Climate-Change Skeptic",
            "author": "Muller, Richard",
            "publication_date": "2012-07-28",
        },
    ),
    "rft.jtitle=New+Yorker": (
        LOAN,
        {
            "title": "New Yorker",
            "author": "Ross",
            "publication_date": "2002",
            "publisher": "F-R Pub. Corp.",
            "place": "New York",
            "issn": "0028-792X",
            "lccn": "2011201780",
            "oclc_number": "909782404",
        },
    ),
    "Complementary Index": (
        COPY,
        {
            "work_kind": "periodical",
            "title": "Happi: Household & Personal Products Industry",
            "article_title": "Est\u00e9e Lauder's Sales Jump 13% in Fiscal 2021.",
            "publication_date": "2021-10-01",
            "volume": "58",
            "issue": "10",
            "pages": "129",
            "issn": "0090-8878",
        },
    ),
    "ProQ:ProQ:daai": (
        COPY,
        {
            "title": "Azure",
            "article_title": "100% ingenuity: NanoLeaf.",
            "author": "Birks, Kimberlie",
            "publication_date": "2013-09-01",
            "volume": "29",
            "issue": "226",
            "pages": "79",
            "issn": "0829-982X",
            "doi": "",
        },
    ),
    "id=pmid:27289441": (
        COPY,
        {
            "article_title": "Validation of a 25% nasion\u2013inion heuristic for locating the "
            "dorsomedial prefrontal cortex for repetitive transcranial magnetic stimulation",
            "author": "Mir-Moghtadaei, A",
            "pmid": "27289441",
        },
    ),
    "firstsearch.oclc.org/WebZ": (
        LOAN,
        {
            "title": "The power look at home : decorating for men",
            "author": "Von Furstenberg, Egon",
            "publication_date": "1980",
            "publisher": "Morrow",
            "place": "New York",
            "edition": "1st ed.",
            "isbn": "9780688035990",
            "oclc_number": "5677842",
        },
    ),
    "uborrow.relais-host.com": (
        LOAN,
        {
            "title": "Vikings - the North Atlantic saga",
            "publication_date": "2000",
            "place": "Washington",
            "call_number": "DL65 .V586 2000",
            "isbn": "156098970X",
        },
    ),
    "sid=EBSCO:aph": (
        COPY,
        {
            "title": "Current Pharmaceutical Design",
            "article_title": "Targeting \u03b17 Nicotinic Acetylcholine Receptors in the Treatment"
            " of Schizophrenia.",
            "publication_date": "2010-02-11",
            "volume": "16",
            "issue": "5",
            "pages": "538",
            "issn": "1381-6128",
        },
    ),
    "WoK:UA": (
        COPY,
        {
            "title": "INTEGRATIVE BIOLOGY",
            "article_title": "Manipulation of biological samples using micro and nano techniques",
            "author": "Castillo, J",
            "publication_date": "2009",
            "pages": "30-42",
            "issn": "1757-9694",
            "doi": "10.1039/b814549k",
        },
    ),
    "FirstSearch%3AMEDLINE": (
        COPY,
        {
            "title": "Applied health economics and health policy",
            "author": "Frogner, BK",
            "volume": "8",
            "issue": "6",
            "pages": "361-371",
            "issn": "1175-5652",
        },
    ),
    "pss.sagepub.com": (
        COPY,
        {
            "title": "Journal of abnormal psychology",
            "author": "Nolen-Hoeksema, S.",
            "volume": "100",
            "pages": "569-582",
            "pmid": "1757671",
        },
    ),
    "mendeley.com": (
        COPY,
        {
            "work_kind": "non_periodical",
            "title": "Your Edited Edition",
            "article_title": "Global Care Chains and Emotional Surplus Value",
            "author": "Hochschild, Arlie Russell",
            "pages": "130-146",
        },
    ),
    "summon.serialssolutions.com": (
        COPY,
        {
            "work_kind": "periodical",
            "title": "The Times",
            "article_title": "The easy way to brighten your borders",
            "author": "Joe Swift",
            "publication_date": "2012-02-18",
            "pages": "14",
            "issn": "0140-0460",
        },
    ),
    "EBSCO:PsycINFO": (
        COPY,
        {
            "work_kind": "non_periodical",
            "title": "Handbook of counseling psychology (4th ed.).",
            "author": "Imel, Zac E.",
            "publication_date": "2008-01-01",
            "pages": "249-266",
            "isbn": "9780470096222",
        },
    ),
    "wiley.com": (
        COPY,
        {
            "work_kind": "non_periodical",
            "title": "The Corsini Encyclopedia of Psychology",
            "article_title": "Minnesota Multiphasic Personality Inventory",
            "publication_date": "2010-01-30",
        },
    ),
    "zotero.org": (
        LOAN,
        {
            "title": "Necessity for ruins, and other topics.",
            "author": "Jackson, John",
            "publication_date": "1980",
            "place": "",
            "isbn": "0870232924",
        },
    ),
    "ProQuest+Dissertations": (
        LOAN,
        {
            "title": "Rights for the Voiceless: The State, Civil Society and Primary Education "
            "in Rural India",
            "author": "Mangla, Akshay",
            "publication_date": "2013-01-01",
        },
    ),
    "id=doi:10.1007": (
        COPY,
        {
            "work_kind": "non_periodical",
            "article_title": "An operational semantics for JavaScript",
            "author": "Maffeis, S",
            "doi": "10.1007/978-3-540-89330-1_22",
            "isbn": "9783540893301",
        },
    ),
}


def _real_links() -> list[str]:
    lines = REAL_OPENURLS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _query(link: str) -> str:
    """What reaches illdesk: a full link's query string (after its first `?`), or the line."""
    head = link.split("?", 1)[0]
    return link.partition("?")[2] if "://" in head else link


def _expected(link: str) -> tuple[str, dict[str, str]]:
    [entry] = [value for marker, value in EXPECTED.items() if marker in link]
    return entry


def test_every_real_link_has_exactly_one_expectation() -> None:
    assert len(_real_links()) == len(EXPECTED)
    for link in _real_links():
        _expected(link)


@pytest.mark.parametrize("link", _real_links(), ids=lambda link: link[:60])
def test_a_real_link_opens_the_right_form_filled_in(portal: Client, link: str) -> None:
    form_name, fields = _expected(link)
    response = portal.get(f"{reverse('requests:new')}?{_query(link)}", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse(form_name))
    form = response.context["form"]
    assert {name: form[name].value() or "" for name in fields} == fields
    assert not form.is_bound


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("id=doi:10.1038/nature12373", "doi", "10.1038/nature12373"),
        ("rft_id=info:doi/10.1038%2Fnature12373", "doi", "10.1038/nature12373"),
        ("rft_id=https://doi.org/10.1038/nature12373", "doi", "10.1038/nature12373"),
        ("id=pmid:27289441", "pmid", "27289441"),
        ("rft_id=info:pmid/27289441", "pmid", "27289441"),
    ],
)
def test_an_identifier_only_link_opens_the_copy_form_with_it(
    portal: Client, query: str, field: str, value: str
) -> None:
    response = portal.get(f"{reverse('requests:new')}?{query}", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse(COPY))
    assert response.context["form"][field].value() == value


@pytest.mark.parametrize(
    ("genre", "form_name"),
    [
        ("article", COPY),
        ("journal", LOAN),
        ("issue", LOAN),
        ("book", LOAN),
        ("bookitem", COPY),
        ("chapter", COPY),
        ("proceeding", COPY),
        ("conference", COPY),
        ("dissertation", LOAN),
        ("news", COPY),
        ("preprint", COPY),
        ("unknown", LOAN),
    ],
)
def test_each_genre_opens_its_form(portal: Client, genre: str, form_name: str) -> None:
    query = f"genre={genre}&title=Some+title"
    response = portal.get(f"{reverse('requests:new')}?{query}", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse(form_name))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rft.jtitle=A&amp;rft.volume=3", {"title": "A", "volume": "3"}),
        ("??rft.jtitle=A", {"title": "A"}),
        ("rft.atitle=99%+sure&rft.jtitle=J", {"article_title": "99% sure", "title": "J"}),
        ("rft.isbn=&rft.isbn=0-306-40615-2", {"isbn": "0306406152"}),
        ("rft.jtitle=&title=Nature", {"title": "Nature"}),
        ("rft_id=urn:ISBN:9780306406157&genre=book&title=T", {"isbn": "9780306406157"}),
        ("rft_id=urn:ISSN:00280836&genre=journal&title=T", {"issn": "0028-0836"}),
        ("rft_id=info:lccn/85-2&genre=book&title=T", {"lccn": "85000002"}),
        ("rft_id=info:oclcnum/12345&genre=book&title=T", {"oclc_number": "12345"}),
        ("issn=1234-5678&eissn=0028-0836&genre=article&atitle=X", {"issn": "0028-0836"}),
        ("rft.stitle=NATURE&rft.jtitle=Nature", {"title": "Nature"}),
        ("au=Smith,+J&genre=book&title=T", {"author": "Smith, J"}),
        ("rft.jtitle=Annales&rft.language=fre", {"language": "fre"}),
    ],
)
def test_messy_links_still_fill_the_form(query: str, expected: dict[str, str]) -> None:
    initial = read_openurl(query).initial
    assert {name: initial.get(name) for name in expected} == expected


def test_repeated_keys_keep_every_non_empty_value_in_order() -> None:
    assert parse_kev("rft.au=A&rft.au=&rft.au=B") == {"rft.au": ["A", "B"]}


def test_a_link_with_no_citation_shows_the_choices(portal: Client) -> None:
    response = portal.get(f"{reverse('requests:new')}?url_ver=Z39.88-2004&sid=x")
    assert response.status_code == 200
    assert reverse("requests:new_loan").encode() in response.content


def test_openurl_values_are_only_initial_data(portal: Client) -> None:
    query = "rft.atitle=%3Cscript%3Ealert(1)%3C/script%3E"
    response = portal.get(f"{reverse('requests:new_copy')}?{query}")
    assert b"<script>alert(1)" not in response.content
    assert not response.context["form"].is_bound


@pytest.mark.parametrize(
    ("sent_by", "name"),
    [
        ("rfr_id=info:sid/webofscience.com:WOS:WOS", "Web of Science"),
        ("rfr_id=info:sid/www.isinet.com:WoK:UA", "Web of Science"),
        ("sid=EBSCO:aph", "EBSCO"),
        ("sid=ProQ:ProQ:daai", "ProQuest"),
        ("sid=google", "Google Scholar"),
        ("rfr_id=info:sid/firstsearch.oclc.org:MEDLINE", "WorldCat (FirstSearch)"),
        ("sid=Entrez:PubMed", "PubMed"),
        ("rfr_id=info:sid/summon.serialssolutions.com", "Summon"),
        ("sid=Our+Own+Catalogue", "Our Own Catalogue"),
    ],
)
def test_the_form_says_by_name_where_it_was_filled_in_from(
    portal: Client, sent_by: str, name: str
) -> None:
    query = f"{sent_by}&genre=article&atitle=A&title=J&issn=13816128"
    response = portal.get(f"{reverse('requests:new_copy')}?{query}")
    assert f"filled in from a link sent by {name}." in response.content.decode()


def form_action(page: str) -> str:
    """Where the page's request form (the one the browser does not validate: the server does)
    posts to, as a browser reads it."""
    form = re.search(r"<form [^>]*\bnovalidate\b[^>]*>", page)
    action = re.search(r'\saction="([^"]*)"', form[0]) if form else None
    assert action, "the page has no request form"
    return unescape(action[1])


@pytest.mark.parametrize(
    ("form_name", "query", "wrong"),
    [
        (COPY, "genre=article", ("issn", "not an issn")),
        (LOAN, "genre=book", ("issn", "not an issn")),
        (REPRODUCTION, "genre=article", ("quantity", "many")),
    ],
)
def test_a_form_sent_from_a_link_and_shown_again_keeps_what_was_sent(
    portal: Client, form_name: str, query: str, wrong: tuple[str, str]
) -> None:
    link = f"sid=EBSCO:aph&{query}&atitle=From+the+link&title=Link+Journal&issn=13816128"
    shown = portal.get(f"{reverse(form_name)}?{link}").content.decode()
    name, value = wrong
    response = portal.post(form_action(shown), {"title": "Typed Journal", name: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert "filled in from a link sent by EBSCO." in page
    form = response.context["form"]
    assert form.is_bound
    assert (form["title"].value(), form[name].value()) == ("Typed Journal", value)
    assert form.errors[name]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("genre=book&btitle=Economic+theory+/", {"title": "Economic theory"}),
        (
            "genre=book&title=T&pub=Oxford+University+Press,",
            {"publisher": "Oxford University Press"},
        ),
        ("genre=book&title=T&place=New+York+:", {"place": "New York"}),
        ("genre=book&title=T&place=[S.l.]&pub=[s.n.]", {"place": None, "publisher": None}),
        (
            "genre=book&title=The+power+look+at+home+:+decorating+for+men",
            {"title": "The power look at home : decorating for men"},
        ),
        ("genre=book&title=F-R+Pub.+Corp.&pub=F-R+Pub.+Corp.", {"publisher": "F-R Pub. Corp."}),
    ],
)
def test_catalogue_punctuation_is_left_out(query: str, expected: dict[str, str | None]) -> None:
    initial = read_openurl(query).initial
    assert {name: initial.get(name) for name in expected} == expected


@pytest.mark.parametrize(
    "query",
    [
        "genre=journal&title=An+article&pmid=27289441",
        "genre=journal&title=An+article&rft_id=info:pmid/27289441",
        "genre=issue&title=J&doi=10.1038/nature12373",
    ],
)
def test_an_article_identifier_opens_a_copy_whatever_journal_genre_it_says(
    portal: Client, query: str
) -> None:
    response = portal.get(f"{reverse('requests:new')}?{query}", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse(COPY))
    assert response.context["form"]["work_kind"].value() == "periodical"


def test_a_book_doi_link_is_still_a_loan_of_the_book() -> None:
    citation = read_openurl("genre=book&btitle=B&id=doi:10.1007/978-3-540-89330-1")
    assert (citation.service, citation.initial["isbn"]) == ("loan", "9783540893301")


def test_new_request_without_openurl_shows_the_choices(portal: Client) -> None:
    response = portal.get(reverse("requests:new"))
    assert reverse("requests:new_loan").encode() in response.content


def test_an_openurl_followed_before_logging_in_is_filled_in_after_it(
    client: Client, institution: Any
) -> None:
    institution.user.set_password("correct horse battery")
    institution.user.save()
    link = f"{reverse('requests:new')}?sid=google&atitle=A+title&id=doi:10.1038/nature12373"
    login_page = client.get(link, follow=True)
    data = {
        "username": institution.oclc_symbol.lower(),
        "password": "correct horse battery",
        "next": login_page.context["next"],
    }
    response = client.post(reverse("login"), data, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse(COPY))
    assert response.context["form"]["doi"].value() == "10.1038/nature12373"
