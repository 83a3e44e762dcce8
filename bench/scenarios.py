"""What each load phase sends: the plan the locustfile follows (see bench/locustfile.py)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Literal, NotRequired, TypedDict, final

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench import decide, seed
from bench.seed import Account
from copyright_rules.keys import normalize_title
from copyright_rules.models import IdentifierKind, TitleGroup, TitleIdentifier
from requests_app.iso18626.models import IsoPartner


class _Phase(TypedDict):
    scenario: str
    method: str
    path: str
    expect: list[int]  # the status codes that count as success
    expect_text: NotRequired[str]  # and a text the response must contain
    accounts: list[dict[str, str]]  # Account.as_plan(), one per simulated user in turn


@final
class FormPlan(_Phase):
    """A browser's form: the fields of one payload, picked at random, per request."""

    payloads: list[dict[str, str]]


@final
class XmlPlan(_Phase):
    """A partner's ILL system: a body picked at random per request, `{agency}` and `{rid}` filled
    in, sent with the header token."""

    payloads: list[str]
    xml: Literal[True]
    token: str


# What one load phase sends (bench/locustfile.py reads it as JSON).
Plan = FormPlan | XmlPlan


def _accounts(accounts: list[Account], seed: int) -> list[dict[str, str]]:
    # Each phase starts its users on a different slice of the institutions.
    shuffled = [account.as_plan() for account in accounts]
    random.Random(seed).shuffle(shuffled)
    return shuffled


def baseline_plan(accounts: list[Account], seed: int = 0) -> FormPlan:
    return {
        "scenario": "baseline",
        "method": "POST",
        "path": reverse("bench-baseline"),
        "expect": [204],
        "payloads": [{}],
        "accounts": _accounts(accounts, seed),
    }


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def submit_plan(accounts: list[Account], seed: int = 0) -> FormPlan | None:
    path = _url("requests:new_copy")
    if path is None:
        return None
    return {
        "scenario": "submit",
        "method": "POST",
        "path": path,
        "expect": [302],
        "payloads": copy_request_payloads(),
        "accounts": _accounts(accounts, seed),
    }


def list_plan(accounts: list[Account], seed: int = 0) -> FormPlan | None:
    path = _url("requests:list")
    if path is None:
        return None
    return {
        "scenario": "list",
        "method": "GET",
        "path": path,
        "expect": [200],
        "payloads": [],
        "accounts": _accounts(accounts, seed),
    }


# The benchmark's partners all authenticate with this header token (a test value, never used
# outside the benchmark's own throwaway database).
ISO_TOKEN = "bench-iso18626-token-" + "0" * 24


def iso_plan(accounts: list[Account], seed: int = 0) -> XmlPlan | None:
    """ISO 18626 request intake: each user is one partner's ILL system POSTing copy requests
    (the same journals as `submit`), each with a new requestingAgencyRequestId."""
    path = _url("iso18626:endpoint")
    if path is None:
        return None
    return {
        "scenario": "iso",
        "method": "POST",
        "path": path,
        "expect": [200],
        "expect_text": "<messageStatus>OK</messageStatus>",
        "xml": True,
        "token": ISO_TOKEN,
        "payloads": [iso_copy_request(form) for form in copy_request_payloads(seed=13)],
        "accounts": _accounts(accounts, seed),
    }


def iso_copy_request(form: dict[str, str]) -> str:
    """The copy form's citation as a requesting agency's ISO 18626 request; `{agency}` and
    `{rid}` are filled in per message by the load generator."""
    agency = "<agencyIdType>{type}</agencyIdType><agencyIdValue>{value}</agencyIdValue>"
    supplier = agency.format(
        type=settings.ISO18626_AGENCY_ID_TYPE, value=settings.ISO18626_AGENCY_ID_VALUE
    )
    return (
        '<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626" version="1.2">'
        f"<request><header><supplyingAgencyId>{supplier}</supplyingAgencyId>"
        "<requestingAgencyId><agencyIdType>OCLC</agencyIdType>"
        "<agencyIdValue>{agency}</agencyIdValue></requestingAgencyId>"
        "<multipleItemRequestId></multipleItemRequestId>"
        "<timestamp>2026-01-01T00:00:00Z</timestamp>"
        "<requestingAgencyRequestId>{rid}</requestingAgencyRequestId></header>"
        f"<bibliographicInfo><title>{form['title']}</title>"
        f"<titleOfComponent>{form['article_title']}</titleOfComponent>"
        f"<authorOfComponent>{form['author']}</authorOfComponent>"
        f"<volume>{form['volume']}</volume><issue>{form['issue']}</issue>"
        f"<pagesRequested>{form['pages']}</pagesRequested>"
        f"<bibliographicItemId><bibliographicItemIdentifier>{form['issn']}"
        "</bibliographicItemIdentifier><bibliographicItemIdentifierCode>ISSN"
        "</bibliographicItemIdentifierCode></bibliographicItemId></bibliographicInfo>"
        f"<publicationInfo><publicationDate>{form['publication_date']}</publicationDate>"
        "</publicationInfo><serviceInfo><requestType>New</requestType>"
        "<serviceType>Copy</serviceType><copyrightCompliance>US-CCG</copyrightCompliance>"
        "</serviceInfo></request></ISO18626Message>"
    )


def seed_iso_partners(accounts: list[Account]) -> None:
    """Every account's institution is an ISO 18626 partner; its messages go nowhere (no worker
    runs in the benchmark: the request pays the enqueue, as for email)."""
    partners = []
    for account in accounts:
        partner = IsoPartner(
            institution_id=account.institution_id,
            agency_id_type="OCLC",
            agency_id_value=account.symbol,
            address="http://127.0.0.1:9/iso18626",
        )
        partner.set_header_token(ISO_TOKEN)
        partners.append(partner)
    IsoPartner.objects.bulk_create(partners)


# A network's demand is skewed: a few journals are asked for again and again (those reach the
# rule of five and are held for permission), most only now and then.
JOURNALS = 60


def copy_request_payloads(count: int = 600, seed: int = 11) -> list[dict[str, str]]:
    """The copy form as a librarian fills it in: journals drawn with Zipf-like weights, mostly
    recent issues, now and then one older than the five-year window."""
    rng = random.Random(seed)
    year = timezone.localdate().year
    weights = [1 / rank for rank in range(1, JOURNALS + 1)]
    journals = rng.choices(range(JOURNALS), weights=weights, k=count)
    return [_copy_form(rng, journal, year) for journal in journals]


def _copy_form(rng: random.Random, journal: int, year: int) -> dict[str, str]:
    published = year - rng.choice([0, 0, 1, 1, 2, 3, 4, 8])
    first_page = rng.randint(1, 300)
    return {
        "work_kind": "periodical",
        "title": f"Journal of Benchmark Studies {journal}",
        "issn": decide.issn(100_000 + journal),
        "article_title": f"Findings {rng.randint(1, 10_000)}",
        "author": "Smith, A.",
        "volume": str(published - 1960),
        "issue": str(rng.randint(1, 12)),
        "publication_date": f"{published}-{rng.randint(1, 12):02d}",
        "pages": f"{first_page}-{first_page + rng.randint(3, 20)}",
        "total_pages": "",
        "patron_ref": "",
        "delivery_notes": "",
        "statement": "CCG",
        "basis": "",
        "note": "",
        "own_copy_covers_item": "",
        "permission_reference": "",
        "extent": "one_article",
        "material": "text",
        "purpose": "research",
    }


def seed_authority(journals: int = 5_000) -> None:
    """A title authority as staff keep it: each journal's print and online ISSNs and its title
    form one group. The benchmark's journals are among them, so submissions get verified keys."""
    names = [f"Journal of Benchmark Studies {number}" for number in range(journals)]
    groups = TitleGroup.objects.bulk_create(TitleGroup(name=name) for name in names)
    identifiers = []
    for number, group in enumerate(groups):
        for kind, value in (
            (IdentifierKind.ISSN, decide.issn(100_000 + number)),
            (IdentifierKind.ISSN, decide.issn(200_000 + number)),
            (IdentifierKind.TITLE, normalize_title(group.name)),
        ):
            identifiers.append(TitleIdentifier(group=group, kind=kind, value=value))
    TitleIdentifier.objects.bulk_create(identifiers, batch_size=5_000)


REQUESTS_PER_LISTED_INSTITUTION = 1_000


def seed_list_requests(accounts: list[Account]) -> None:
    """Each account's institution gets 1,000 requests of its own (this year's), for the list."""
    today = timezone.localdate()
    days = min(300, (today - date(today.year, 1, 1)).days + 1)
    seed.seed_records(
        REQUESTS_PER_LISTED_INSTITUTION * len(accounts),
        first_day=today - timedelta(days=days - 1),
        days=days,
        final_only=False,
        institution_ids=[account.institution_id for account in accounts],
    )


def count_submit_queries(account: Account, samples: int = 5) -> int:
    """The SQL statements one submission runs through the whole stack (middleware, session,
    login, form, decision, writes), counted in this process; the most of `samples` submissions."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = account.session_key
    path = _url("requests:new_copy")
    assert path is not None
    counts = []
    for payload in copy_request_payloads(count=samples, seed=3):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(path, payload)
        if response.status_code != 302:
            raise RuntimeError(f"the benchmark's copy request was not accepted: {response}")
        counts.append(len(queries.captured_queries))
    return max(counts)
