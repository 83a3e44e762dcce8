"""No way round the rule of five (docs/copyright.md section 10, rulings 1, 2, 5, 6, 8, 9 and 10),
through the portal, the desk, the admin, the ISO 18626 endpoint and the commands."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from copyright_rules import services as copyright
from copyright_rules.models import Record, TitleGroup
from registration.models import Institution, OutboxMessage
from requests_app.iso18626.models import IsoMessage
from requests_app.iso18626.retention import purge_unattached_messages
from requests_app.models import Request, Status
from tests.copyright_rules.factories import article, at, decide_and_record, request_of, title_group
from tests.requests_app.iso18626.helpers import action, copy_request, find, make_partner, post
from tests.requests_app.test_desk import act

pytestmark = pytest.mark.django_db

COPY = {
    "work_kind": "periodical",
    "title": "Nature",
    "issn": "0028-0836",
    "article_title": "On counting",
    "volume": "630",
    "issue": "1",
    "publication_date": str(timezone.localdate().year),
    "pages": "10-20",
    "extent": "one_article",
    "material": "text",
    "purpose": "research",
    "statement": "CCG",
}
ORDER = {
    "material": "text",
    "reproduction_format": "pdf",
    "quantity": "1",
    "intended_use": "private_study",
    "rights": "section_108",  # a section 108 copy, counted (docs/copyright.md)
    "rights_statement": "on",
    "title": "Nature",
    "publication_date": str(timezone.localdate().year),
}


def _copies(portal: Client, count: int, **changes: str) -> list[Request]:
    for n in range(count):
        portal.post(reverse("requests:new_copy"), {**COPY, "article_title": f"Art {n}", **changes})
    return list(Request.objects.order_by("-pk")[:count])


def _latest() -> Request:
    latest = Request.objects.order_by("-pk").first()
    assert latest is not None
    return latest


def _nature() -> TitleGroup:
    return title_group("Nature", ("issn", "0028-0836"), ("issn", "1476-4687"), ("title", "nature"))


# --- item 1: reproduction orders are keyed by the title (ruling 2) ---------------------------


def test_a_reproduction_order_of_an_article_counts_with_the_journal_copies(
    portal: Client, desk: Client, admin_client: Client
) -> None:
    nature = _nature()
    _copies(portal, 5)
    for name, value in (
        ("call_number", "QH1 .N2"),
        ("digital_id", "nature.630"),
        ("reproduction_number", "LC-N-1"),
    ):
        order = {**ORDER, name: value, "article_title": f"Ordered by {name}"}
        portal.post(reverse("requests:new_duplication"), order)
        held = _latest()
        assert held.status == Status.AWAITING_CLEARANCE
        assert held.record.title_key == f"ISSN-GROUP:{nature.pk}"
        assert held.record.latest_decision is not None
        assert held.record.latest_decision.copy_number == 6

    # A staff change of the Nature group, then a re-evaluation on the desk: still the sixth.
    online = title_group("Nature (online)", ("issn", "1744-7933"))
    admin_client.post(
        reverse("admin:copyright_rules_titlegroup_changelist"),
        {"action": "merge_groups", "_selected_action": [nature.pk, online.pk]},
    )
    act(desk, held, "reevaluate")
    held.refresh_from_db()
    assert held.status == Status.AWAITING_CLEARANCE
    assert held.record.latest_decision is not None
    assert held.record.latest_decision.copy_number == 6

    report = admin_client.get(reverse("admin:copyright_compliance"))
    assert "call:" not in report.content.decode()


# --- item 2 and 9: ISO 18626 intake (ruling 9) -----------------------------------------------


def _iso_copy(request_id: str, *, note: str = "", **kw: Any) -> bytes:
    body = copy_request(request_id, article="An article", **kw).decode()
    if note:
        body = body.replace("</serviceInfo>", f"<note>{note}</note></serviceInfo>")
    return body.encode()


@pytest.mark.parametrize(
    "note",
    ["Item is not in the public domain", "no fair use claimed", "patron is older than 18"],
)
def test_an_iso_basis_is_never_read_from_the_words_of_the_note(
    client: Client, institution: Institution, note: str
) -> None:
    make_partner(institution)
    year = str(timezone.localdate().year)
    answer = post(client, _iso_copy("ccl-1", note=note, compliance="US-CCL", year=year))

    assert find(answer.content, "confirmationHeader/messageStatus") == "ERROR"
    assert "#CCL-BASIS:public_domain#" in find(answer.content, "errorData/errorValue")
    assert not Request.objects.exists()


def test_an_iso_basis_given_as_a_code_is_taken(client: Client, institution: Institution) -> None:
    make_partner(institution)
    year = str(timezone.localdate().year)
    note = "#CCL-BASIS:public_domain# A government report."
    post(client, _iso_copy("ccl-2", note=note, compliance="us-ccl", year=year))

    record = Request.objects.get().record
    assert (record.outcome, record.basis, record.counted) == ("ACCEPT_CCL", "public_domain", False)
    assert record.latest_decision is not None and record.latest_decision.rule == "R3"


@pytest.mark.parametrize("compliance", ["CCG", "ccg", "Us-Ccg"])
def test_a_plain_statement_is_taken_over_iso(
    client: Client, institution: Institution, compliance: str
) -> None:
    make_partner(institution)
    answer = post(client, _iso_copy("plain", compliance=compliance))

    assert find(answer.content, "confirmationHeader/messageStatus") == "OK"
    assert Request.objects.get().record.statement == "CCG"


def test_an_iso_book_copy_is_asked_for_its_total_pages_as_the_portal_asks(
    client: Client, institution: Institution
) -> None:
    make_partner(institution)
    body = _iso_copy("book", issn="").decode()
    body = body.replace(
        "<bibliographicItemId><bibliographicItemIdentifier></bibliographicItemIdentifier>"
        "<bibliographicItemIdentifierCode>ISSN</bibliographicItemIdentifierCode>"
        "</bibliographicItemId>",
        "<bibliographicItemId><bibliographicItemIdentifier>9780262033848"
        "</bibliographicItemIdentifier><bibliographicItemIdentifierCode>ISBN"
        "</bibliographicItemIdentifierCode></bibliographicItemId>",
    )
    answer = post(client, body.encode())

    assert find(answer.content, "confirmationHeader/messageStatus") == "ERROR"
    assert "bibliographicInfo/estimatedNoPages" in find(answer.content, "errorData/errorValue")
    assert not Request.objects.exists()

    whole = body.replace("<volume>", "<estimatedNoPages>40</estimatedNoPages><volume>")
    post(
        client,
        whole.replace(
            "book</requestingAgencyRequestId>", "b2</requestingAgencyRequestId>"
        ).encode(),
    )
    record = Request.objects.get().record
    assert record.latest_decision is not None and record.latest_decision.rule == "R6"


# --- item 3: a journal cited differently (rulings 6 and 7) -----------------------------------


CRL = {"title": "College & Research Libraries", "issn": "0010-0870"}


@pytest.mark.parametrize(
    ("title", "issn"),
    [
        ("College and Research Libraries", ""),
        ("Coll Res Libr", ""),
        ("Natur", "0953-4075"),
        ("Nature Journal", ""),
        ("N\u0430ture", ""),
    ],
)
def test_a_journal_cited_differently_is_held_for_staff(
    portal: Client, admin_client: Client, title: str, issn: str
) -> None:
    _nature()
    _copies(portal, 5, **CRL)

    precheck = portal.post(reverse("requests:precheck"), {**COPY, "title": title, "issn": issn})
    portal.post(reverse("requests:new_copy"), {**COPY, "title": title, "issn": issn})

    held = _latest()
    decision = held.record.latest_decision
    assert held.status == Status.AWAITING_CLEARANCE
    assert decision is not None and "key_to_confirm" in decision.flags
    assert precheck.json()["outcome"] == decision.outcome == "NEEDS_PERMISSION"
    report = admin_client.get(reverse("admin:copyright_compliance")).content.decode()
    assert report.count("College") <= 1


def test_a_zero_width_space_does_not_hide_nature(portal: Client) -> None:
    _nature()
    _copies(portal, 5)
    portal.post(reverse("requests:new_copy"), {**COPY, "title": "Nat\u200bure", "issn": ""})

    sixth = _latest()
    assert sixth.status == Status.AWAITING_CLEARANCE
    assert sixth.record.latest_decision is not None
    assert sixth.record.latest_decision.copy_number == 6


@pytest.mark.parametrize(
    ("title", "issn"),
    [
        ("NEJM", "0028-4793"),
        ("J Am Med Assoc", "0098-7484"),
        ("Journal of Physics B", "0953-4075"),
    ],
)
def test_a_legitimate_citation_with_its_issn_is_not_held(
    portal: Client, title: str, issn: str
) -> None:
    title_group("NEJM", ("issn", "0028-4793"), ("title", "new england journal of medicine"))
    title_group(
        "JAMA", ("issn", "0098-7484"), ("title", "journal of the american medical association")
    )
    title_group("Journal of Physics B", ("issn", "0953-4075"), ("title", "journal of physics b"))
    title_group("Journal of Physics A", ("issn", "0305-4470"), ("title", "journal of physics a"))
    _copies(portal, 2, title="Journal of Physics A", issn="0305-4470")

    portal.post(reverse("requests:new_copy"), {**COPY, "title": title, "issn": issn})

    latest = _latest()
    assert (latest.status, latest.record.counted) == (Status.NEW, True)


def test_a_key_staff_confirmed_is_not_doubted_again_for_the_institution(
    portal: Client, desk: Client
) -> None:
    _nature()
    portal.post(reverse("requests:new_copy"), {**COPY, "title": "Natur", "issn": ""})
    act(desk, _latest(), "confirm_key")

    portal.post(reverse("requests:new_copy"), {**COPY, "title": "Natur", "issn": "", "issue": "2"})

    assert (_latest().status, _latest().record.counted) == (Status.NEW, True)


# --- item 4: an open request of an earlier year follows the authority (ruling 8) -------------


def _submit_in(institution: Institution, year: int, **facts: Any) -> Record:
    with transaction.atomic():
        record, _ = decide_and_record(
            institution, request_of(article(**facts), service="copy", created_at=at(year, 7))
        )
    return record


def test_a_held_request_of_an_earlier_year_counts_after_a_merge(
    institution: Institution, admin_client: Client
) -> None:
    print_group = title_group("Lancet (print)", ("issn", "0140-6736"))
    online_group = title_group("Lancet (online)", ("issn", "1474-547X"))
    for n in range(5):
        _submit_in(institution, 2024, title="Lancet", issns=["0140-6736"], article=f"p{n}")
    for n in range(5):
        _submit_in(institution, 2024, title="Lancet", issns=["1474-547X"], article=f"o{n}")
    held = _submit_in(institution, 2024, title="Lancet", issns=["1474-547X"], article="held")
    assert held.status == Record.Status.AWAITING_CLEARANCE

    admin_client.post(
        reverse("admin:copyright_rules_titlegroup_changelist"),
        {"action": "merge_groups", "_selected_action": [print_group.pk, online_group.pk]},
    )
    decision = copyright.request_reevaluation(held, acting_user=None)

    assert (decision.outcome, decision.copy_number) == ("NEEDS_PERMISSION", 11)


# --- item 6: seed_demo re-keys what it recreates ---------------------------------------------


def test_seed_demo_recreating_a_deleted_group_rekeys_its_records(
    portal: Client, admin_client: Client
) -> None:
    call_command("seed_demo", stdout=StringIO())
    nature = TitleGroup.objects.get(name="Nature")
    _copies(portal, 1)
    admin_client.post(
        reverse("admin:copyright_rules_titlegroup_delete", args=[nature.pk]), {"post": "yes"}
    )

    call_command("seed_demo", stdout=StringIO())

    recreated = TitleGroup.objects.get(name="Nature")
    assert _latest().record.title_key == f"ISSN-GROUP:{recreated.pk}"


# --- item 9: the smaller ways round --------------------------------------------------------


def test_the_conformance_command_reads_statuses_and_outcomes_in_any_case() -> None:
    vectors = Path(__file__).resolve().parents[1] / "data" / "copyright_vectors_rulings.jsonl"
    out = StringIO()
    call_command("copyright_conformance", str(vectors), stdout=out)
    assert out.getvalue().strip().endswith(" passed, 0 failed")


def test_an_r7_hold_behind_an_uncounted_copy_is_released_when_that_copy_is_cancelled(
    portal: Client,
) -> None:
    own_copy = {"statement": "CCL", "basis": "own_copy", "own_copy_covers_item": "yes"}
    portal.post(
        reverse("requests:new_copy"),
        {**COPY, **own_copy, "patron_id": "p1", "article_title": "First"},
    )
    first = _latest()
    portal.post(reverse("requests:new_copy"), {**COPY, "patron_id": "p1", "article_title": "B"})
    held = _latest()
    assert first.record.counted is False
    assert held.record.latest_decision is not None and held.record.latest_decision.rule == "R7"

    portal.post(reverse("requests:cancel", args=[first.pk]), {"seen_status": first.status})

    held.refresh_from_db()
    assert held.status == Status.NEW
    assert held.record.latest_decision is not None and held.record.latest_decision.counted


def _due_now(record: Record, zone_name: str) -> None:
    """The record as its purge date arrives in `zone_name`, the zone that dated it."""
    today = timezone.localdate(timezone=ZoneInfo(zone_name))
    Record.objects.filter(pk=record.pk).update(
        status=Record.Status.CANCELLED,
        time_zone=zone_name,
        retain_until=today - timedelta(days=1),
        purge_on=today,
        purge_at=datetime.combine(today, time.min, tzinfo=ZoneInfo(zone_name)),
    )


def test_the_purge_takes_a_requests_email_outbox_rows_with_it(portal: Client) -> None:
    request = _copies(portal, 1)[0]
    other = OutboxMessage.objects.create(email="registration-received", target_id=request.pk)
    assert OutboxMessage.objects.filter(target_id=request.pk).count() == 2
    _due_now(request.record, "America/New_York")

    call_command("purge_records", stdout=StringIO())

    assert not Request.objects.filter(pk=request.pk).exists()
    assert list(OutboxMessage.objects.filter(target_id=request.pk)) == [other]


def test_a_record_is_purged_by_the_date_in_the_zone_that_dated_it(
    portal: Client, settings: Any
) -> None:
    # Kiritimati (UTC+14) is always at least a day ahead of Pago Pago (UTC-11).
    settings.COPYRIGHT_TIME_ZONE = "Pacific/Kiritimati"
    request = _copies(portal, 1)[0]
    assert request.record.time_zone == "Pacific/Kiritimati"
    _due_now(request.record, "Pacific/Kiritimati")
    settings.COPYRIGHT_TIME_ZONE = "Pacific/Pago_Pago"

    call_command("purge_records", stdout=StringIO())

    assert not Record.objects.filter(pk=request.record.pk).exists()


def test_an_unattached_iso_message_is_dated_in_the_zone_stored_with_it(
    client: Client, settings: Any, institution: Institution
) -> None:
    """A partner's message that never became part of a request (a stranger's leaves only
    metadata, kept ISO18626_UNAUTHENTICATED_DAYS: docs/iso18626.md, "Limits")."""
    settings.COPYRIGHT_TIME_ZONE = "Pacific/Auckland"
    make_partner(institution)
    post(client, action("never-sent", "StatusRequest"))
    message = IsoMessage.objects.get(request__isnull=True, authenticated=True)
    # 2022-12-31 20:00 UTC is 1 January 2023 in Auckland, the zone that dated it.
    IsoMessage.objects.filter(pk=message.pk).update(
        created_at=datetime(2022, 12, 31, 20, tzinfo=ZoneInfo("UTC"))
    )
    settings.COPYRIGHT_TIME_ZONE = settings.TIME_ZONE = "America/New_York"

    assert purge_unattached_messages(now=datetime(2026, 12, 31, 9, tzinfo=ZoneInfo("UTC"))) == 0
    assert purge_unattached_messages(now=datetime(2026, 12, 31, 12, tzinfo=ZoneInfo("UTC"))) == 1
