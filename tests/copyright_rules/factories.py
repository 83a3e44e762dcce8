"""Factories and fact builders for the database side of copyright_rules."""

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from copyright_rules import services
from copyright_rules.facts import RequestFacts, StaffDetermination
from copyright_rules.models import Decision, Record, TitleGroup, TitleIdentifier
from registration.models import Institution

NEW_YORK = ZoneInfo("America/New_York")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    oclc_symbol = factory.Sequence(lambda n: f"CR{n:04d}")
    name = factory.Sequence(lambda n: f"Copyright Test Library {n}")
    street = "1 Library Way"
    city = "Springfield"
    contact_name = "Ada Reader"
    email = factory.Sequence(lambda n: f"ill{n}@copyright.example")
    phone = "217-555-0100"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"clearance{n}")
    is_staff = True
    is_superuser = True


def make_institution(**fields: Any) -> Institution:
    return cast(Institution, InstitutionFactory(**fields))


def make_staff(**fields: Any) -> User:
    return cast(User, StaffFactory(**fields))


def title_group(name: str, *identifiers: tuple[str, str], kind: str = "periodical") -> TitleGroup:
    group = TitleGroup.objects.create(name=name, kind=kind)
    for identifier_kind, value in identifiers:
        TitleIdentifier.objects.create(group=group, kind=identifier_kind, value=value)
    return group


def request_of(
    facts: dict[str, Any], *, service: str = "copy", created_at: datetime | None = None
) -> RequestFacts:
    """The typed facts a form would build from these values (the vector keys)."""
    determination = facts.get("staff_determination")
    return RequestFacts.from_citation(
        facts,
        created_at=created_at or timezone.now(),
        service=service,
        permission_reference=facts.get("permission_reference"),
        staff_determination=StaffDetermination(**determination) if determination else None,
    )


def article(**overrides: Any) -> dict[str, Any]:
    """The facts of a recent Nature article request under CCG; override any key."""
    facts: dict[str, Any] = {
        "work_kind": "periodical",
        "title": "Nature",
        "issns": ["0028-0836"],
        "publication_date": "2024-03",
        "volume": "627",
        "issue": "8003",
        "article": "A",
        "patron_ref": None,
        "statement": "CCG",
        "material": "text",
        "purpose": "research",
        "extent": "one_article",
    }
    facts.update(overrides)
    return facts


def chapter(**overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "work_kind": "non_periodical",
        "title": "Introduction to Algorithms",
        "author": "Cormen, Thomas",
        "isbns": ["9780262033848"],
        "statement": "CCG",
        "extent": "part",
        "pages_requested": 20,
        "total_pages": 1200,
    }
    facts.update(overrides)
    return facts


def at(year: int, month: int = 6, day: int = 1, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=NEW_YORK)


def decide_and_record(
    institution: Institution, request: RequestFacts, *, acting_user: User | None = None
) -> tuple[Record, Decision]:
    """Decide a new request and store its record and first decision, as the submission does
    (`decide_new`, then `record_decided`); the caller owns the transaction."""
    decided = services.decide_new(institution, request, acting_user=acting_user)
    services.record_decided(decided)
    return decided.record, decided.decision
