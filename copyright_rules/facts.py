"""The facts the copyright rules read and the decision they return (docs/copyright.md sections
1-4 and 8).

Pure Python: no Django, no database. The web application and the conformance runner build these
from their own rows and dictionaries, so every rule lives in one place (`rules.decide`).

Enumerated request fields are typed `str | None` on purpose: institutions submit free values, and
clarification 7 makes an unknown value a REJECT_INCOMPLETE decision rather than a crash (a
"clarification N" is item N of docs/copyright.md section 9). The StrEnum members below are
strings, so callers may pass them directly. The application's forms build `RequestFacts` once per
submission (`request_facts()`), and it travels unchanged to `rules.decide` and into the record.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from copyright_rules.vocabulary import (
    Basis,
    DeterminationKind,
    Extent,
    Flag,
    Material,
    Outcome,
    Purpose,
    Rights,
    Rule,
    Service,
    Statement,
    WorkKind,
)


@dataclass(frozen=True, slots=True)
class StaffDetermination:
    """A section 107 fair-use or section 108(e) determination recorded by staff (rule O1)."""

    kind: str
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestFacts:
    """The request being decided, as submitted (a vector's `request`, docs/copyright.md 8)."""

    created_at: datetime
    service: str | None
    institution: str | None = None
    work_kind: str | None = None
    title: str | None = None
    issns: tuple[str, ...] = ()
    isbns: tuple[str, ...] = ()
    author: str | tuple[str, ...] | None = None
    publication_date: str | None = None
    volume: str | None = None
    issue: str | None = None
    article: str | None = None
    patron_ref: str | None = None
    statement: str | None = None
    basis: str | None = None
    note: str | None = None
    own_copy_covers_item: bool | None = None
    permission_reference: str | None = None
    # A reference the institution entered: pending until staff confirm it (docs/copyright.md 5).
    permission_reference_entered: str | None = None
    staff_determination: StaffDetermination | None = None
    material: str | None = None
    purpose: str | None = None
    extent: str | None = None
    pages_requested: int | None = None
    total_pages: int | None = None
    # A reproduction of the office's own holding names it by these (docs/copyright.md section 1).
    reproduction_number: str | None = None
    call_number: str | None = None
    digital_id: str | None = None
    # Stated by a reproduction order only (docs/copyright.md section 4, "Reproduction orders").
    rights: str | None = None

    def __post_init__(self) -> None:
        if self.created_at.utcoffset() is None:
            raise ValueError("created_at must be an aware datetime")

    def citation(self) -> dict[str, object]:
        """The citation as entered, JSON-safe: what the record stores. The request's time,
        service and institution are columns of the record, and so are a permission and a staff
        determination, which staff may add later."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name in CITATION_FIELDS
            if (value := getattr(self, name)) not in (None, ())
        }

    @classmethod
    def from_citation(
        cls,
        citation: Mapping[str, object],
        *,
        created_at: datetime,
        service: str | None,
        institution: str | None = None,
        permission_reference: str | None = None,
        permission_reference_entered: str | None = None,
        staff_determination: StaffDetermination | None = None,
    ) -> RequestFacts:
        """The facts back from a stored citation (names it does not know are left out)."""
        values: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in citation.items()
            if name in CITATION_FIELDS
        }
        return cls(
            created_at=created_at,
            service=service,
            institution=institution,
            permission_reference=permission_reference,
            permission_reference_entered=permission_reference_entered,
            staff_determination=staff_determination,
            **values,
        )


_CONTEXT_FIELDS = frozenset(
    {
        "created_at",
        "service",
        "institution",
        "permission_reference",
        "permission_reference_entered",
        "staff_determination",
    }
)
CITATION_FIELDS: tuple[str, ...] = tuple(
    field.name for field in dataclasses.fields(RequestFacts) if field.name not in _CONTEXT_FIELDS
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorRequest:
    """Another request of the institution on record, with its stored decision.

    `year` and `key` may be passed precomputed (the database stores both, so a later change of
    zone or authority cannot re-bucket history); when absent they are derived from `created_at`
    and the identifiers, with the settings and authority given to `decide`.
    """

    id: str
    status: str
    outcome: str | None
    counted: bool
    created_at: datetime | None = None
    year: int | None = None
    key: str | None = None
    institution: str | None = None
    service: str | None = Service.COPY
    work_kind: str | None = None
    title: str | None = None
    issns: tuple[str, ...] = ()
    isbns: tuple[str, ...] = ()
    author: str | tuple[str, ...] | None = None
    publication_date: str | None = None
    volume: str | None = None
    issue: str | None = None
    article: str | None = None
    patron_ref: str | None = None

    def __post_init__(self) -> None:
        if self.created_at is not None and self.created_at.utcoffset() is None:
            raise ValueError("created_at must be an aware datetime")
        if self.created_at is None and self.year is None:
            raise ValueError(f"prior request {self.id}: give created_at or year")


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """One evaluation of a request (docs/copyright.md section 3), stored immutably."""

    outcome: Outcome
    rule: Rule
    counted: bool
    copy_number: int | None
    title_key: str | None
    counted_ids: tuple[str, ...]
    flags: tuple[Flag, ...]
    explanation: str
    year: int


def clean(value: str | None) -> str | None:
    """Clarification 6: an empty or whitespace-only value is absent; others are trimmed. A value
    that is not a string is absent too (docs/copyright.md section 1), never an error."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


# --- Reading submitted values: any case, publication dates, the first problem for R1 ----------

_E = TypeVar("_E", bound=StrEnum)
_PUBLICATION_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
_DETERMINATIONS: dict[str, str] = {
    DeterminationKind.FAIR_USE: "a fair-use determination (17 U.S.C. 107)",
    DeterminationKind.S108E: "a section 108(e) determination that no copy is obtainable at a "
    "fair price",
    DeterminationKind.NO_KNOWN_RESTRICTIONS: "a rights review that found no known restrictions",
}


@dataclass(frozen=True, slots=True)
class PublicationDate:
    year: int
    latest: date


@lru_cache(maxsize=4096)
def parse_publication_date(value: str | None) -> PublicationDate | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` with the latest day it could mean; else None.

    A month or day of `00` is no date at all, not a coarser one (docs/copyright.md section 1)."""
    text = clean(value)
    match = _PUBLICATION_DATE.fullmatch(text) if text else None
    if match is None:
        return None
    year = int(match[1])
    try:
        if match[2] is None:
            return PublicationDate(year, date(year, 12, 31))
        month = int(match[2])
        day = int(match[3]) if match[3] else calendar.monthrange(year, month)[1]
        return PublicationDate(year, date(year, month, day))
    except ValueError:  # month or day 00, or past the month's end
        return None


@lru_cache(maxsize=64)
def _members_by_folded_value(kind: type[_E]) -> dict[str, _E]:
    return {member.value.casefold(): member for member in kind}


def canonical(kind: type[_E], raw: str | None) -> _E | None:
    """The member named by a submitted value (trimmed, any case); None when blank, unknown or not
    a string. Every comparison with a submitted value goes through here, so `Periodical` and
    `periodical` are one value everywhere (docs/copyright.md section 1), the stored outcomes
    (`ACCEPT_CCG`) as much as the lower-case values (section 10, ruling 1)."""
    try:
        return _canonical(kind, raw)
    except TypeError:  # not hashable, so not a string either
        return None


@lru_cache(maxsize=1024)  # requests and their priors repeat a handful of values
def _canonical(kind: type[_E], raw: str | None) -> _E | None:
    value = clean(raw)
    if value is None:
        return None
    folded = value.casefold()
    if kind is Statement:
        folded = folded.removeprefix("us-")  # clarification 7: ISO 18626 `US-CCG`
    return _members_by_folded_value(kind).get(folded)


def is_loan(service: str | None) -> bool:
    return canonical(Service, service) is Service.LOAN


def is_copy(service: str | None) -> bool:
    return canonical(Service, service) is Service.COPY


@dataclass(frozen=True, slots=True)
class ParsedFacts:
    """The request's enumerated values read once; `problem` is the first R1 reason, if any."""

    kind: WorkKind | None
    statement: Statement | None
    basis: Basis | None  # None with a CCG statement: clarification 12 ignores it
    material: Material
    purpose: Purpose
    extent: Extent
    publication: PublicationDate | None
    determination: str | None  # a valid staff determination, described for the explanation
    problem: str | None
    rights: Rights | None = None  # a reproduction order's statement of the rights (None: a copy)
    public_domain_found: bool = False  # staff found it in the public domain (rule R3)
    holding: bool = False  # it names an item of the office's holding (a reproduction order)


def parse_facts(request: RequestFacts) -> ParsedFacts:
    """The request's values as the rules read them, and the first problem that makes it
    incomplete, in the order rule R1 names them (clarification 7: an unknown value is one)."""
    holding = (request.reproduction_number, request.call_number, request.digital_id)
    return _parse_facts(
        service=request.service,
        work_kind=request.work_kind,
        statement_value=request.statement,
        basis_value=request.basis,
        has_note=clean(request.note) is not None,
        material=request.material,
        purpose=request.purpose,
        extent=request.extent,
        publication_date=request.publication_date,
        determination=request.staff_determination,
        rights=request.rights,
        holding=any(clean(item) for item in holding),
    )


@lru_cache(maxsize=4096)  # requests repeat a handful of value combinations
def _parse_facts(
    *,
    service: str | None,
    work_kind: str | None,
    statement_value: str | None,
    basis_value: str | None,
    has_note: bool,
    material: str | None,
    purpose: str | None,
    extent: str | None,
    publication_date: str | None,
    determination: StaffDetermination | None,
    rights: str | None,
    holding: bool,
) -> ParsedFacts:
    problems: list[str] = []
    if _read(problems, Service, service, "service") is None:
        problems.append("the service (loan or copy) is missing")
    kind = _read(problems, WorkKind, work_kind, "work kind")
    if kind is None:
        problems.append("a copy request must say whether it is from a periodical or another work")
    statement = _read(problems, Statement, statement_value, "compliance statement")
    if statement is None:
        problems.append("it carries no CCG or CCL compliance statement (CONTU guideline 3)")
    basis = None
    if statement is Statement.CCL:
        basis = _read(problems, Basis, basis_value, "CCL basis")
        if basis is None and clean(basis_value) is None:
            problems.append("a CCL statement must give its basis")
        if basis is Basis.FAIR_USE and not has_note:
            problems.append("a fair-use basis needs a written note")
    default_extent = Extent.PART if kind is WorkKind.NON_PERIODICAL else Extent.ONE_ARTICLE
    # Clarification 6: a determination without a note is ignored; so is an unknown kind, which
    # the admin form cannot produce: neither may release a copy.
    noted = determination.kind if determination and clean(determination.note) else ""
    return ParsedFacts(
        kind=kind,
        statement=statement,
        basis=basis,
        material=_read(problems, Material, material, "material") or Material.TEXT,
        purpose=_read(problems, Purpose, purpose, "purpose") or Purpose.RESEARCH,
        extent=_read(problems, Extent, extent, "extent") or default_extent,
        publication=parse_publication_date(publication_date),
        determination=_DETERMINATIONS.get(noted),
        problem=problems[0] if problems else None,
        rights=canonical(Rights, rights),  # an unknown one is no R1 problem
        public_domain_found=noted == DeterminationKind.PUBLIC_DOMAIN,
        holding=holding,
    )


def _read(problems: list[str], kind: type[_E], raw: str | None, label: str) -> _E | None:
    """The member `raw` names; a value that names none is added to `problems`."""
    member = canonical(kind, raw)
    if member is None and clean(raw) is not None:
        problems.append(f"the {label} {raw!r} is not a known value")
    return member
