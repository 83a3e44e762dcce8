"""One search for the desk box and the library list: identifiers normalised, words, ranking."""

from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from requests_app import search
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db


def desk_finds(desk: Client, query: str) -> list[int]:
    response = desk.get(reverse("desk:queues"), {"q": query})
    assert response.status_code == 200
    return [item.pk for item in response.context["found"]]


@pytest.mark.parametrize("query", ["0028-0836", "00280836", "issn 0028-0836"])
def test_issn_is_found_with_or_without_its_hyphen(
    desk: Client, institution: Institution, query: str
) -> None:
    item = make_copy(institution, issn="0028-0836")
    other = make_copy(institution, issn="0036-8075", article_title="Other")
    found = desk_finds(desk, query.removeprefix("issn "))
    assert item.pk in found and other.pk not in found


@pytest.mark.parametrize(
    ("stored", "query"),
    [("9780306406157", "0-306-40615-2"), ("0306406152", "978-0-306-40615-7")],
)
def test_isbn_10_and_13_find_each_other(
    desk: Client, institution: Institution, stored: str, query: str
) -> None:
    item = make_loan(institution, isbn=stored)
    assert desk_finds(desk, query) == [item.pk]


@pytest.mark.parametrize("query", ["ocm00012345", "(OCoLC)12345", "12345"])
def test_oclc_number_with_or_without_prefix_and_zeros(
    desk: Client, institution: Institution, query: str
) -> None:
    item = make_loan(institution, oclc_number="ocm00012345")
    assert desk_finds(desk, query) == [item.pk]


@pytest.mark.parametrize("query", ["PS3545 .H16", "ps3545.h16", "PS3545"])
def test_call_number_whole_or_its_beginning(
    desk: Client, institution: Institution, query: str
) -> None:
    item = make_loan(institution, call_number="PS3545 .H16")
    make_loan(institution, call_number="QA76 .A1", title="Other")
    assert desk_finds(desk, query) == [item.pk]


def test_the_librarys_reference(desk: Client, institution: Institution) -> None:
    item = make_copy(institution, patron_ref="ILL-2024-0815")
    assert desk_finds(desk, "ill 2024 0815".replace(" ", "-")) == [item.pk]


def test_lccn_and_reproduction_number(desk: Client, institution: Institution) -> None:
    by_lccn = make_loan(institution, lccn="2001012345")
    by_repro = make_loan(institution, reproduction_number="LC-USZ62-12345", title="Photo")
    assert desk_finds(desk, "2001012345") == [by_lccn.pk]
    assert desk_finds(desk, "LC-USZ62-12345") == [by_repro.pk]


def test_request_number_comes_first(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    make_loan(institution, title=f"Volume {item.pk}")
    response = desk.get(reverse("desk:queues"), {"q": str(item.pk), "list": "1"})
    assert [found.pk for found in response.context["found"]][0] == item.pk


@pytest.mark.parametrize("typed", ["{}", "#{}", " {} "])
def test_an_exact_request_number_opens_the_request(
    desk: Client, institution: Institution, typed: str
) -> None:
    item = make_loan(institution)
    response = desk.get(reverse("desk:queues"), {"q": typed.format(item.pk)}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("desk:detail", args=[item.pk]))
    page = response.content.decode()
    assert "Opened by its request number." in page
    assert f"?q={item.pk}&amp;list=1" in page


def test_a_number_that_is_no_request_is_searched(desk: Client, institution: Institution) -> None:
    item = make_copy(institution, pmid="31452104")
    assert desk_finds(desk, "31452104") == [item.pk]


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Památky archeologické", "pamatky"),
        ("Pamatky archeologicke", "památky"),
        ("Zeszyty Naukowe Uniwersytetu Łódzkiego", "lodzkiego"),
        ("Über die Straße", "strasse uber"),
    ],
)
def test_words_are_found_without_their_accents(
    desk: Client, institution: Institution, stored: str, query: str
) -> None:
    item = make_copy(institution, title=stored)
    make_copy(institution, title="Journal of Other Things", issue="9")
    assert desk_finds(desk, query) == [item.pk]


def test_journal_words_with_an_institution_symbol(desk: Client, institution: Institution) -> None:
    other = make_institution()
    wanted = make_copy(institution, title="Journal of Vertebrate Paleontology")
    make_copy(other, title="Journal of Vertebrate Paleontology")
    make_copy(institution, title="Journal of Paleontology", issue="7")
    query = f"vertebrate paleontology {institution.oclc_symbol.lower()}"
    assert desk_finds(desk, query)[0] == wanted.pk


def test_search_results_offer_batch_work(desk: Client, institution: Institution) -> None:
    first = make_copy(institution, title="Okapi Quarterly")
    second = make_loan(institution, title="Okapi handbook")
    finished = make_loan(institution, title="Okapi atlas")
    Request.objects.filter(pk=finished.pk).update(status="cancelled")
    page = desk.get(reverse("desk:queues"), {"q": "okapi"}).content.decode()
    assert f'value="{first.pk}:new"' in page and f'value="{second.pk}:new"' in page
    assert f'value="{finished.pk}:cancelled"' not in page
    assert 'name="back" value="q=okapi"' in page
    response = desk.post(
        reverse("desk:batch"),
        {"batch": "claim", "pick": [f"{first.pk}:new", f"{second.pk}:new"], "back": "q=okapi"},
    )
    assert response["Location"] == f"{reverse('desk:queues')}?q=okapi"
    assert (
        Request.objects.filter(pk__in=[first.pk, second.pk], claimed_by__isnull=False).count() == 2
    )


def test_words_of_the_article_title_in_any_order(desk: Client, institution: Institution) -> None:
    item = make_copy(institution, article_title="Quantum entanglement of photons")
    make_copy(institution, article_title="Photons in biology", issue="9")
    assert desk_finds(desk, "photons quantum") == [item.pk]


def test_author_and_journal_title(desk: Client, institution: Institution) -> None:
    item = make_copy(institution, author="Okonkwo, Chinua", title="Journal of Zebra Studies")
    assert desk_finds(desk, "okonkwo") == [item.pk]
    assert desk_finds(desk, "zebra studies") == [item.pk]


def test_institution_symbol_finds_its_requests(desk: Client, institution: Institution) -> None:
    item = make_loan(institution)
    make_loan(make_institution())
    assert desk_finds(desk, institution.oclc_symbol) == [item.pk]


def test_identifier_matches_rank_before_word_matches(
    desk: Client, institution: Institution
) -> None:
    by_word = make_copy(institution, article_title="Shelving QA76 in the stacks")
    by_call_number = make_loan(institution, call_number="QA76 .A1")
    assert desk_finds(desk, "QA76") == [by_call_number.pk, by_word.pk]


def test_nothing_matches(desk: Client, institution: Institution) -> None:
    make_copy(institution)
    page = desk.get(reverse("desk:queues"), {"q": "xylophone"})
    assert page.context["found"] == [] and "No request matches" in page.content.decode()


def test_the_search_box_is_on_the_queues_and_the_request_page(
    desk: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    for url in (reverse("desk:queues"), reverse("desk:detail", args=[item.pk])):
        assert 'role="search"' in desk.get(url).content.decode()


def test_the_library_list_finds_its_own_requests_only(
    portal: Client, institution: Institution
) -> None:
    mine = make_copy(institution, issn="0028-0836")
    make_copy(make_institution(), issn="0028-0836")
    response = portal.get(reverse("requests:list"), {"q": "00280836"})
    assert [item.pk for item in response.context["page"]] == [mine.pk]


def test_the_library_list_combines_search_and_filters(
    portal: Client, institution: Institution
) -> None:
    copy = make_copy(institution, title="Zebra Review", issn="")
    make_loan(institution, title="Zebra Review")
    response = portal.get(reverse("requests:list"), {"q": "zebra", "service": "copy"})
    assert [item.pk for item in response.context["page"]] == [copy.pk]


@pytest.mark.parametrize("query", ["²", "١٢٣", "%", "_", "' OR 1=1 --", "x" * 300])
def test_odd_queries_answer_without_error(
    desk: Client, portal: Client, institution: Institution, query: str
) -> None:
    make_copy(institution)
    assert desk.get(reverse("desk:queues"), {"q": query}).status_code == 200
    assert portal.get(reverse("requests:list"), {"q": query}).status_code in (200,)


def test_a_staff_change_to_an_identifier_is_searchable(institution: Institution) -> None:
    item = make_loan(institution)
    item.call_number = "Z699 .A1"
    Request.objects.filter(pk=item.pk).update(**search.refresh(item), call_number="Z699 .A1")
    assert search.search(Request.objects.all(), "z699") == [item]


@pytest.mark.postgres_only
def test_postgresql_uses_the_gin_indexes(institution: Institution) -> None:
    make_copy(institution)
    # Unordered: with the default order the planner may walk the created_at index instead, which
    # says nothing about the search indexes.
    rows = Request.objects.order_by()
    keys = search._by_keys(rows, {"00280836"})
    words = search.word_matches(rows, SearchQuery("tests", config="simple"))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plans = [keys.explain(), words.explain()]
        cursor.execute("RESET enable_seqscan")
    assert "request_search_keys_fts" in plans[0]
    assert "request_search_text_fts" in plans[1]


def test_a_common_word_finds_the_newest_requests(
    institution: Institution, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More matches than are ranked: the newest requests are looked at first."""
    monkeypatch.setattr(search, "CANDIDATES", 4)
    monkeypatch.setattr(search, "RECENT", 3)
    older = [make_copy(institution, article_title=f"Zebra habits {n}") for n in range(8)]
    Request.objects.filter(pk__in=[item.pk for item in older]).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    newest = make_copy(institution, article_title="Zebra crossings")
    found = search.search(Request.objects.all(), "zebra")
    assert found[0] == newest and len(found) >= search.CANDIDATES


def test_a_query_naming_no_institution_reads_no_institution_requests(
    institution: Institution,
) -> None:
    """Institutions are looked up first: a query that names none asks for nobody's requests."""
    make_copy(institution, article_title="Okapi")
    with CaptureQueriesContext(connection) as queries:
        found = search.search(Request.objects.all(), "okapi")
    assert [item.article_title for item in found] == ["Okapi"]
    assert not [q for q in queries.captured_queries if '"institution_id" IN' in q["sql"]]


def test_the_migration_folds_the_words_already_stored(institution: Institution) -> None:
    import importlib

    from django.apps import apps

    item = make_copy(institution, title="Památky archeologické")
    Request.objects.filter(pk=item.pk).update(search_text="památky archeologické")
    migration = importlib.import_module("requests_app.migrations.0020_desk_daily_work")
    migration.fold_search_text(apps, connection.schema_editor())
    item.refresh_from_db()
    assert "pamatky archeologicke" in item.search_text
    assert search.search(Request.objects.all(), "pamatky") == [item]
