"""Demonstration requests for the demo institution (DLC, seeded by registration): loans and copies
in every workflow state, made through the real services so each has its copyright decision.
Idempotent: nothing is added once the institution has requests."""

from datetime import timedelta
from io import TextIOBase

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from copyright_rules.facts import Extent, RequestFacts, Service, Statement, WorkKind
from illdesk.actors import Actor
from registration.models import Institution
from requests_app import scheduled, services
from requests_app.models import Request, Status

DEMO_SYMBOL = "DLC"
PDF = b"%PDF-1.4\n% illdesk demonstration copy\ntrailer <<>>\n%%EOF\n"
NATURE = {"work_kind": "periodical", "title": "Nature", "issn": "0028-0836", "author": "Doe, J."}


def seed_demo(stdout: TextIOBase) -> None:
    institution = Institution.objects.filter(oclc_symbol=DEMO_SYMBOL).first()
    if institution is None:
        stdout.write("Demo requests skipped: no demo institution yet.\n")
        return
    if Request.objects.for_institution(institution).exists():
        stdout.write("Demo requests exist.\n")
        return
    staff = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    with transaction.atomic():
        copies = _seed_copies(institution, staff)
        loans = _seed_loans(institution, staff)
    stdout.write(f"Demo requests created for {DEMO_SYMBOL}: {copies} copies, {loans} loans.\n")


def _copy(institution: Institution, number: int, **fields: str) -> Request:
    citation = {
        **NATURE,
        "article_title": f"Demonstration article {number}",
        "volume": "620",
        "issue": str(number),
        "publication_date": f"{timezone.localdate().year - 1}-0{number % 9 + 1}",
        "pages": "10-14",
        **fields,
    }
    facts = RequestFacts(
        created_at=timezone.now(),
        service=Service.COPY,
        work_kind=WorkKind(citation["work_kind"]),
        title=citation["title"],
        issns=(citation["issn"],) if citation["issn"] else (),
        author=citation["author"],
        publication_date=citation["publication_date"],
        volume=citation["volume"],
        issue=citation["issue"],
        article=citation["article_title"],
        statement=Statement.CCG,
        extent=Extent.ONE_ARTICLE,
        pages_requested=5,
    )
    return services.submit_copy_request(
        institution, fields=citation, facts=facts, acting_user=institution.user
    )


def _seed_copies(institution: Institution, staff: Actor) -> int:
    """Five Nature articles take the year's five CCG slots; the sixth is held for permission."""
    new, in_process, conditional, mailed, electronic = (_copy(institution, n) for n in range(1, 6))
    services.accept_request(in_process, seen=Status.NEW, acting_user=staff)
    services.reply_conditionally(
        conditional, seen=Status.NEW, conditions="A $15 copying fee applies.", acting_user=staff
    )
    services.fill_copy(mailed, seen=Status.NEW, delivery_method="mail", pdf=None, acting_user=staff)
    upload = SimpleUploadedFile("demo.pdf", PDF, content_type="application/pdf")
    services.fill_copy(
        electronic, seen=Status.NEW, delivery_method="electronic", pdf=upload, acting_user=staff
    )
    _copy(institution, 6)  # held: it would be the sixth copy of Nature this year
    cancelled = _copy(
        institution, 7, work_kind="non_periodical", title="Introduction to Algorithms", issn=""
    )
    services.cancel_by_institution(cancelled, seen=Status.NEW, acting_user=institution.user)
    return 7


def _loan(institution: Institution, title: str) -> Request:
    fields = {"title": title, "author": "Melville, Herman", "tried_elsewhere": True}
    return services.submit_loan_request(institution, fields=fields, acting_user=institution.user)


def _seed_loans(institution: Institution, staff: Actor) -> int:
    today = timezone.localdate()
    _loan(institution, "Moby-Dick; or, The Whale")
    services.accept_request(_loan(institution, "Typee"), seen=Status.NEW, acting_user=staff)
    due_soon, overdue, returned, lost, refused = (
        _loan(institution, title)
        for title in ("Omoo", "Mardi", "Redburn", "White-Jacket", "Pierre")
    )
    services.ship_loan(due_soon, seen=Status.NEW, due_date=today + timedelta(2), acting_user=staff)
    services.ship_loan(overdue, seen=Status.NEW, due_date=today - timedelta(9), acting_user=staff)
    scheduled.mark_overdue_loans(today=today)
    services.ship_loan(returned, seen=Status.NEW, due_date=today + timedelta(9), acting_user=staff)
    services.record_return(returned, seen=Status.ON_LOAN, acting_user=staff)
    services.ship_loan(lost, seen=Status.NEW, due_date=today + timedelta(9), acting_user=staff)
    services.mark_lost(lost, seen=Status.ON_LOAN, note="Lost in transit.", acting_user=staff)
    services.refuse_request(
        refused, seen=Status.NEW, refusal_reason="too_fragile", reason="", acting_user=staff
    )
    return 7
