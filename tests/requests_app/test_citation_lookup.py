"""Citation completion: a link's DOI or PMID looked up at Crossref or NCBI PubMed (here a local
server answering in their documented formats) fills the fields the link left empty, and every
failure leaves the form as the link alone fills it. The pages are requested outside any
transaction, as in production (the completion refuses to wait on the network inside one)."""

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from requests_app import lookup
from requests_app.openurl import read_openurl
from tests.requests_app.citation_services import CitationServices
from tests.requests_app.test_openurl import form_action
from tests.services import free_port

pytestmark = pytest.mark.django_db(transaction=True)

COPY, LOAN = "requests:new_copy", "requests:new_loan"
DOI_ONLY = "id=doi:10.1038/nature12373"
PMID_ONLY = "sid=Entrez:PubMed&id=pmid:1757671"
SCHOLAR_CHAPTER = (
    "sid=google&auinit=S&aulast=Maffeis&atitle=An+operational+semantics+for+JavaScript"
    "&id=doi:10.1007/978-3-540-89330-1_22"
)


@pytest.fixture
def services(settings: Any) -> Iterator[CitationServices]:
    cache.clear()
    server = CitationServices()
    server.start()
    server.configure(settings)
    yield server
    server.stop()
    cache.clear()


def _form(portal: Client, query: str, form_name: str) -> Any:
    response = portal.get(f"{reverse('requests:new')}?{query}", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse(form_name))
    return response


def _values(response: Any, *names: str) -> dict[str, str]:
    form = response.context["form"]
    return {name: form[name].value() or "" for name in names}


def test_a_doi_only_link_is_completed_from_crossref(
    portal: Client, services: CitationServices
) -> None:
    response = _form(portal, DOI_ONLY, COPY)
    assert _values(
        response, "work_kind", "title", "article_title", "author", "publication_date"
    ) == {
        "work_kind": "periodical",
        "title": "Nature",
        "article_title": "Nanometre-scale thermometry in a living cell",
        "author": "Kucsko, G.",
        "publication_date": "2013-07-31",
    }
    assert _values(response, "volume", "issue", "pages", "issn", "doi") == {
        "volume": "500",
        "issue": "7460",
        "pages": "54-58",
        "issn": "0028-0836",
        "doi": "10.1038/nature12373",
    }
    assert "completed from Crossref's record of its DOI" in unescape(response.content.decode())


def test_a_pmid_only_link_is_completed_from_pubmed(
    portal: Client, services: CitationServices
) -> None:
    response = _form(portal, PMID_ONLY, COPY)
    assert _values(
        response, "title", "article_title", "author", "publication_date", "pages", "issn"
    ) == {
        "title": "Journal of abnormal psychology",
        "article_title": "Responses to depression and their effects on the duration of "
        "depressive episodes",
        "author": "Nolen-Hoeksema, S",
        "publication_date": "1991-11",
        "pages": "569-582",
        "issn": "0021-843X",
    }
    page = unescape(response.content.decode())
    assert "a link sent by PubMed" in page
    assert "completed from PubMed's record of its PMID" in page


def test_the_completed_form_can_be_sent_as_it_is(
    portal: Client, services: CitationServices
) -> None:
    form = _form(portal, PMID_ONLY, COPY).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"statement": "CCG", "extent": "one_article", "material": "text"}
    data |= {"purpose": "research"}
    response = portal.post(reverse(COPY), data)
    assert response.status_code == 302, response.context["form"].errors


def test_a_completed_form_shown_again_keeps_its_notice_without_a_second_lookup(
    portal: Client, services: CitationServices
) -> None:
    response = _form(portal, DOI_ONLY, COPY)
    page = response.content.decode()
    action = form_action(page)
    hidden = re.findall(r'<input type="hidden" name="completed_from" value="([^"]*)"', page)
    response = portal.post(action, {"completed_from": hidden, "issn": "not an issn"})
    assert response.context["form"].errors["issn"]
    assert "completed from Crossref's record of its DOI" in unescape(response.content.decode())
    assert len(services.asked) == 1


def test_a_sent_form_names_no_record_it_was_not_completed_from(portal: Client) -> None:
    sent = {"completed_from": "<b>Elsewhere</b>", "issn": "not an issn"}
    response = portal.post(f"{reverse(COPY)}?{PMID_ONLY}", sent)
    page = unescape(response.content.decode())
    assert "a link sent by PubMed" in page
    assert "completed from" not in page


def test_a_journal_genre_link_with_the_article_title_as_its_title_is_an_article(
    portal: Client, services: CitationServices
) -> None:
    query = (
        "genre=journal&title=Responses+to+depression+and+their+effects+on+the+duration+of"
        "+depressive+episodes&pmid=1757671"
    )
    response = _form(portal, query, COPY)
    assert _values(response, "title", "article_title") == {
        "title": "Journal of abnormal psychology",
        "article_title": "Responses to depression and their effects on the duration of "
        "depressive episodes",
    }


def test_a_scholar_chapter_link_opens_a_part_of_a_book_with_the_book_title(
    portal: Client, services: CitationServices
) -> None:
    response = _form(portal, SCHOLAR_CHAPTER, COPY)
    assert _values(response, "work_kind", "title", "publication_date", "pages", "isbn", "issn") == {
        "work_kind": "non_periodical",
        "title": "Programming Languages and Systems",
        "publication_date": "2008",
        "pages": "307-325",
        "isbn": "9783540893301",
        "issn": "",
    }


def test_a_doi_of_a_book_opens_the_loan_form_without_isbd_punctuation(
    portal: Client, services: CitationServices
) -> None:
    response = _form(portal, "id=doi:10.5555/illdesk-monograph", LOAN)
    assert _values(response, "title", "publisher", "place", "isbn", "publication_date") == {
        "title": "Economic theory",
        "publisher": "Oxford University Press",
        "place": "Oxford",
        "isbn": "9780198289920",
        "publication_date": "2017-05",
    }


def test_what_the_link_says_wins_over_the_record(
    portal: Client, services: CitationServices
) -> None:
    query = "genre=article&jtitle=Nature+(London)&date=2013&id=doi:10.1038/nature12373"
    response = _form(portal, query, COPY)
    assert _values(response, "title", "publication_date", "volume") == {
        "title": "Nature (London)",
        "publication_date": "2013",
        "volume": "500",
    }


def test_a_complete_link_is_not_looked_up(portal: Client, services: CitationServices) -> None:
    query = (
        "genre=article&jtitle=Nature&atitle=A&au=Kucsko,+G&date=2013&volume=500&pages=54-58"
        "&id=doi:10.1038/nature12373"
    )
    _form(portal, query, COPY)
    assert services.asked == []


def test_completion_is_off_unless_the_office_enables_it(
    portal: Client, services: CitationServices, settings: Any
) -> None:
    settings.CITATION_LOOKUP = False
    response = _form(portal, DOI_ONLY, COPY)
    assert _values(response, "title", "doi") == {"title": "", "doi": "10.1038/nature12373"}
    assert services.asked == []


def test_without_the_network_the_form_is_filled_from_the_link_alone(
    portal: Client, settings: Any
) -> None:
    cache.clear()
    settings.CITATION_LOOKUP = True
    settings.CITATION_CROSSREF_URL = f"http://127.0.0.1:{free_port()}"
    settings.CITATION_EUTILS_URL = f"http://127.0.0.1:{free_port()}"
    response = _form(portal, DOI_ONLY, COPY)
    assert _values(response, "title", "doi") == {"title": "", "doi": "10.1038/nature12373"}
    assert "completed from" not in unescape(response.content.decode())


def test_a_service_in_trouble_leaves_the_form_as_the_link_fills_it(
    portal: Client, services: CitationServices
) -> None:
    services.down = True
    response = _form(portal, PMID_ONLY, COPY)
    assert _values(response, "title", "pmid") == {"title": "", "pmid": "1757671"}
    assert len(services.asked) == 1


def test_an_answer_later_than_the_deadline_is_not_waited_for(
    portal: Client, services: CitationServices, settings: Any
) -> None:
    settings.CITATION_LOOKUP_TIMEOUT = 0.2
    services.delay = 2.0
    response = _form(portal, DOI_ONLY, COPY)
    assert _values(response, "title", "doi") == {"title": "", "doi": "10.1038/nature12373"}


def test_an_unknown_identifier_leaves_the_form_as_the_link_fills_it(
    portal: Client, services: CitationServices
) -> None:
    response = _form(portal, "id=pmid:99999999&id=doi:10.5555/nothing-here", COPY)
    assert _values(response, "title", "pmid") == {"title": "", "pmid": "99999999"}
    assert len(services.asked) == 2


def test_an_answer_that_is_not_json_leaves_the_form_as_the_link_fills_it(
    portal: Client, services: CitationServices
) -> None:
    response = _form(portal, "id=doi:10.5555/unreadable", COPY)
    assert _values(response, "title", "doi") == {"title": "", "doi": "10.5555/unreadable"}
    assert len(services.asked) == 1


def test_a_found_record_is_not_asked_for_again(portal: Client, services: CitationServices) -> None:
    _form(portal, DOI_ONLY, COPY)
    _form(portal, DOI_ONLY, COPY)
    assert len(services.asked) == 1


def test_nothing_is_looked_up_inside_a_database_transaction(services: CitationServices) -> None:
    with transaction.atomic():
        citation = lookup.complete(read_openurl(DOI_ONLY))
    assert "title" not in citation.initial
    assert services.asked == []
