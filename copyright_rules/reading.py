"""Reading a request's submitted values for the rules (docs/copyright.md section 1 and the
clarifications of section 9): enumerated values in any case, publication dates, and the first
problem that makes a request incomplete (rule R1).

Pure Python, like `facts.py`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

from copyright_rules.facts import (
    Basis,
    DeterminationKind,
    Extent,
    Material,
    Purpose,
    RequestFacts,
    Rights,
    Service,
    StaffDetermination,
    Statement,
    WorkKind,
    clean,
)

_PUBLICATION_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
_DETERMINATIONS: dict[str, str] = {
    DeterminationKind.FAIR_USE: "a fair-use determination (17 U.S.C. 107)",
    DeterminationKind.S108E: "a section 108(e) determination that no copy is obtainable at a "
    "fair price",
    DeterminationKind.NO_KNOWN_RESTRICTIONS: "a rights review that found no known restrictions",
}
_E = TypeVar("_E", bound=StrEnum)


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


@lru_cache(maxsize=1024)
def _choice(kind: type[_E], raw: str | None) -> _E | None:
    """The member named by `raw` (trimmed, any case), None when blank; ValueError when unknown.

    Any case for every enumeration, the stored outcomes (`ACCEPT_CCG`) as much as the lower-case
    values (docs/copyright.md section 10, ruling 1)."""
    value = clean(raw)
    if value is None:
        return None
    folded = value.casefold()
    if kind is Statement:
        folded = folded.removeprefix("us-")  # clarification 7: ISO 18626 `US-CCG`
    member = _members_by_folded_value(kind).get(folded)
    if member is None:
        raise ValueError(f"{raw!r} is not a {kind.__name__}")
    return member


@lru_cache(maxsize=64)
def _members_by_folded_value(kind: type[_E]) -> dict[str, _E]:
    return {member.value.casefold(): member for member in kind}


def canonical(kind: type[_E], raw: str | None) -> _E | None:
    """The member named by a submitted value in any case; None when blank, unknown or not a
    string. Every comparison with a submitted value goes through here, so `Periodical` and
    `periodical` are one value everywhere (docs/copyright.md section 1)."""
    try:
        return _choice(kind, raw)
    except (ValueError, TypeError):
        return None


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


class _Reader:
    """Collects the first problem while reading, so R1 can name it to the institution."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def choice(self, kind: type[_E], raw: str | None, label: str) -> _E | None:
        try:
            return _choice(kind, raw)
        except ValueError:
            self.problems.append(f"the {label} {raw!r} is not a known value")
            return None

    def require(self, present: object, problem: str) -> None:
        if not present:
            self.problems.append(problem)


def parse_facts(request: RequestFacts) -> ParsedFacts:
    return _parse_facts(
        request.service,
        request.work_kind,
        request.statement,
        request.basis,
        clean(request.note) is not None,
        request.material,
        request.purpose,
        request.extent,
        request.publication_date,
        request.staff_determination,
        request.rights,
    )


@lru_cache(maxsize=4096)  # requests repeat a handful of value combinations
def _parse_facts(
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
    rights: str | None = None,
) -> ParsedFacts:
    read = _Reader()
    read.require(read.choice(Service, service, "service"), "the service (loan or copy) is missing")
    kind = read.choice(WorkKind, work_kind, "work kind")
    read.require(kind, "a copy request must say whether it is from a periodical or another work")
    statement = read.choice(Statement, statement_value, "compliance statement")
    read.require(statement, "it carries no CCG or CCL compliance statement (CONTU guideline 3)")
    basis = _read_basis(read, basis_value, has_note) if statement is Statement.CCL else None
    default_extent = Extent.PART if kind is WorkKind.NON_PERIODICAL else Extent.ONE_ARTICLE
    return ParsedFacts(
        kind=kind,
        statement=statement,
        basis=basis,
        material=read.choice(Material, material, "material") or Material.TEXT,
        purpose=read.choice(Purpose, purpose, "purpose") or Purpose.RESEARCH,
        extent=read.choice(Extent, extent, "extent") or default_extent,
        publication=parse_publication_date(publication_date),
        determination=_determination(determination),
        problem=read.problems[0] if read.problems else None,
        rights=read.choice(Rights, rights, "statement of the rights"),
        public_domain_found=_found(determination, DeterminationKind.PUBLIC_DOMAIN),
    )


def _read_basis(read: _Reader, value: str | None, has_note: bool) -> Basis | None:
    basis = read.choice(Basis, value, "CCL basis")
    read.require(basis or clean(value), "a CCL statement must give its basis")
    if basis is Basis.FAIR_USE:
        read.require(has_note, "a fair-use basis needs a written note")
    return basis


def _determination(determination: StaffDetermination | None) -> str | None:
    # Clarification 6: a determination without a note is ignored; so is an unknown kind, which
    # the admin form cannot produce: neither may release a copy.
    if determination is None or clean(determination.note) is None:
        return None
    return _DETERMINATIONS.get(determination.kind)


def _found(determination: StaffDetermination | None, kind: DeterminationKind) -> bool:
    """Staff recorded this finding, with the note clarification 6 requires."""
    return (
        determination is not None
        and determination.kind == kind
        and clean(determination.note) is not None
    )
