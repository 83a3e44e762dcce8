"""Catalog lookups: ask the catalog (outside any transaction), store what it holds, suggest,
and, where the office allows it, answer clear cases through the request workflow's own
services (docs/catalog.md)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lxml import etree
from stdnum import isbn

from catalog import client
from catalog.client import CatalogError, Deadline, Query
from catalog.models import Candidate, Lookup, MatchedBy, State, Suggestion
from catalog.ranking import Advice, Ranked, Wanted, advise, best_first
from catalog.records import Holding, holdings_of
from illdesk.actors import Actor
from requests_app import services as workflow
from requests_app.iso18626.citation import placeholder_title, supplier_record_id
from requests_app.models import Request, Status

logger = logging.getLogger(__name__)

# The refusal each clear suggestion is answered with (its ISO 18626 reason follows from it:
# NotHeld, NotAvailableForILL).
_AUTOMATIC_REFUSAL = {
    Suggestion.NOT_OWNED: Request.RefusalReason.NOT_OWNED,
    Suggestion.IN_USE: Request.RefusalReason.IN_USE,
}
AUTOMATIC = "answered automatically from the office's catalog"


def queries_for(item: Request, record_id: str = "") -> list[Query]:
    """The searches for a request, strongest identifier first (our own record's id, when a
    partner named it), title and author last; not the title made up for a request that named
    only our record."""
    found = [
        Query(MatchedBy.RECORD, (record_id,)) if record_id else None,
        Query(MatchedBy.LCCN, (item.lccn,)) if item.lccn else None,
        Query(MatchedBy.OCLC, (_digits(item.oclc_number),)) if _digits(item.oclc_number) else None,
        Query(MatchedBy.ISBN, _isbn_forms(item.isbn)) if item.isbn else None,
        Query(MatchedBy.ISSN, (item.issn,)) if item.issn else None,
    ]
    if item.title and not (record_id and item.title == placeholder_title(record_id)):
        # A copy's author wrote the article, which the catalog does not describe.
        author = _surname(item.author) if not item.article_title else ""
        found.append(Query(MatchedBy.TITLE, (item.title,), author))
    return [query for query in found if query is not None]


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit()).lstrip("0")


def _isbn_forms(value: str) -> tuple[str, ...]:
    if not isbn.is_valid(value):
        return (isbn.compact(value),)
    forms = [isbn.to_isbn13(value)]
    if forms[0].startswith("978"):
        forms.append(isbn.to_isbn10(value))
    return tuple(dict.fromkeys(isbn.compact(form) for form in forms))


def _surname(author: str) -> str:
    name = author.split(";")[0].strip()
    return name.split(",")[0].strip() if "," in name else (name.split() or [""])[-1]


def look_up(request_id: int) -> Lookup | None:
    """Look one request up and store the answer (or the failure and its retry time). None when
    the request is gone or no catalog is configured."""
    item = Request.objects.filter(pk=request_id).first()
    if item is None or not client.configured():
        return None
    queries = queries_for(item, supplier_record_id(item))
    try:
        tried, holdings = _ask(queries, Deadline.starting_now(settings.CATALOG_TIMEOUT))
    except CatalogError as error:
        return _record_failure(item, str(error))
    matched_by = tried[-1].key if holdings else ""
    ranked = best_first(holdings, Wanted.of(item.volume, item.publication_date))
    lookup = _store(item, tried, matched_by, ranked, advise(ranked, matched_by))
    if settings.CATALOG_AUTO_ANSWER and lookup.clear:
        answer_automatically(item, lookup)
    return lookup


def _ask(queries: list[Query], deadline: Deadline) -> tuple[list[Query], list[Holding]]:
    """The searches made, up to the first that found anything, and what it found."""
    for number, query in enumerate(queries, start=1):
        records = client.search(query, deadline)
        if records:
            found = [holding for record in records for holding in _read(record)]
            return queries[:number], found
    return queries, []


def _read(record: etree._Element) -> list[Holding]:
    try:
        return holdings_of(record)
    except (ValueError, etree.LxmlError) as error:
        raise CatalogError(f"The catalog sent a record that cannot be read ({error}).") from error


def _store(
    item: Request, queries: list[Query], matched_by: str, ranked: list[Ranked], advice: Advice
) -> Lookup:
    values = {
        "state": State.FOUND if ranked else State.NOT_FOUND,
        "looked_up_at": timezone.now(),
        "searched": "; ".join(str(query) for query in queries)[:300],
        "matched_by": matched_by,
        "error": "",
        "attempts": 0,
        "retry_at": None,
        "suggestion": advice.suggestion,
        "suggestion_note": advice.note[:300],
        "clear": advice.clear,
    }
    with transaction.atomic(durable=True):
        lookup, _ = Lookup.objects.update_or_create(request=item, defaults=values)
        lookup.candidates.all().delete()
        Candidate.objects.bulk_create(_candidates(lookup, ranked))
    return lookup


def _candidates(lookup: Lookup, ranked: list[Ranked]) -> Iterable[Candidate]:
    for number, found in enumerate(ranked[:20], start=1):
        holding = found.holding
        yield Candidate(
            lookup=lookup,
            rank=number,
            record_id=holding.record_id[:60],
            title=holding.title[:500],
            call_number=holding.call_number[:100],
            location=holding.location[:200],
            holdings=holding.statement[:500],
            availability=found.availability,
            due_date=found.due_date,
            covers=found.covers,
            why=found.why[:300],
        )


def _record_failure(item: Request, reason: str) -> Lookup:
    """The catalog could not answer: say so and when it is tried again. Candidates from an
    earlier answer stay as they were."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        lookup, _ = Lookup.objects.select_for_update().get_or_create(
            request=item, defaults={"state": State.FAILED}
        )
        lookup.attempts += 1
        lookup.state, lookup.error, lookup.failed_at = State.FAILED, reason[:300], now
        lookup.retry_at = retry_time(lookup.attempts, now)
        lookup.save()
    logger.info("catalog lookup of request %s failed: %s", item.pk, reason)
    return lookup


def retry_time(attempts: int, now: datetime) -> datetime | None:
    if attempts >= settings.CATALOG_MAX_ATTEMPTS:
        return None
    return now + timedelta(minutes=settings.CATALOG_RETRY_MINUTES * 2 ** (attempts - 1))


def answer_automatically(item: Request, lookup: Lookup) -> Request | None:
    """A clear "not owned" or "in use" answered without staff, as the refusal staff would give:
    through the workflow's refuse service (timeline, email, ISO 18626 reason), only while the
    request is still new."""
    reason = _AUTOMATIC_REFUSAL.get(Suggestion(lookup.suggestion)) if lookup.suggestion else None
    if reason is None or item.status != Status.NEW:
        return None
    text = f"{lookup.suggestion_note} ({AUTOMATIC}.)"
    try:
        return workflow.refuse_request(
            item, seen=Status.NEW, refusal_reason=reason, reason=text, acting_user=None
        )
    except workflow.StaleRequest:
        return None


def confirm_holding(item: Request, candidate: Candidate, *, seen: str, acting_user: Actor) -> None:
    """Staff confirm a candidate: its call number and location become the request's (slips,
    bands), through the desk's own holding service."""
    text = f"{candidate.call_number} {candidate.location} (confirmed from the catalog)".strip()
    siblings = Candidate.objects.filter(lookup_id=candidate.lookup_id)
    with transaction.atomic():
        workflow.record_holding(
            item,
            seen=seen,
            shelf_call_number=candidate.call_number,
            location=candidate.location,
            acting_user=acting_user,
            text=text,
        )
        siblings.exclude(pk=candidate.pk).update(confirmed=False)
        siblings.filter(pk=candidate.pk).update(confirmed=True)
