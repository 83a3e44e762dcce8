"""Directory candidates for a registration: exact identifier matches first, then fuzzy ones.

The database narrows the field with indexed keys (same ZIP, same phone, same city), so scoring
works on a few hundred rows at most, whatever the size of the directory: two queries per page.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from rapidfuzz import fuzz

from registration.models import DirectoryRecord, Registration
from registration.normalize import phone_key, region_key, street_key, text_key, zip_key

BLOCK_LIMIT = 300
AGREES_AT = 85.0
TITLES = {
    "name": "Name",
    "street": "Street",
    "city": "City",
    "region": "State or region",
    "postal_code": "Postal code",
    "phone": "Phone",
}
WEIGHTS = {"name": 40, "street": 15, "city": 10, "region": 10, "postal_code": 15, "phone": 10}


@dataclass(frozen=True)
class FieldComparison:
    label: str
    registration_value: str
    directory_value: str
    similarity: float

    @property
    def title(self) -> str:
        return TITLES[self.label]

    @property
    def agrees(self) -> bool:
        return self.similarity >= AGREES_AT

    @property
    def is_missing(self) -> bool:
        return not (self.registration_value and self.directory_value)


@dataclass(frozen=True)
class IdentifierConflict:
    """An identifier the registration gives that the directory record gives otherwise."""

    title: str
    registration_value: str
    directory_value: str

    def __str__(self) -> str:
        applied, known = self.registration_value, self.directory_value
        return f"{self.title} {applied} applied for, {known} in the directory"


@dataclass(frozen=True)
class Candidate:
    record: DirectoryRecord
    score: int
    exact_identifier: bool
    comparisons: list[FieldComparison]
    conflicts: list[IdentifierConflict]

    @property
    def is_identifier_mismatch(self) -> bool:
        """The record is this library by an identifier, or by its name and address, yet names
        another symbol or ISIL: the registration may be for some other library's symbol."""
        return bool(self.conflicts) and (self.exact_identifier or self.score >= AGREES_AT)


def identifier_mismatches(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates staff must acknowledge before approving (docs/operations.md,
    "Verifying a registration")."""
    return [candidate for candidate in candidates if candidate.is_identifier_mismatch]


def find_candidates(registration: Registration, *, limit: int = 5) -> list[Candidate]:
    exact = list(DirectoryRecord.objects.filter(_identifier_match(registration)))
    block = _blocking_filter(registration)
    fuzzy = (
        list(
            DirectoryRecord.objects.filter(block).exclude(pk__in=[r.pk for r in exact])[
                :BLOCK_LIMIT
            ]
        )
        if block
        else []
    )
    scored = [score_record(registration, record, exact_identifier=False) for record in fuzzy]
    scored.sort(key=lambda candidate: candidate.score, reverse=True)
    exact_scored = [score_record(registration, record, exact_identifier=True) for record in exact]
    return exact_scored + scored[: max(limit - len(exact_scored), 0)]


def _identifier_match(registration: Registration) -> Q:
    match = Q(oclc_symbol=registration.oclc_symbol)
    if registration.isil:
        match |= Q(isil__iexact=registration.isil)
    return match


def _blocking_filter(registration: Registration) -> Q | None:
    keys = {
        "zip_key": zip_key(registration.postal_code),
        "phone_key": phone_key(registration.phone),
        "city_key": text_key(registration.city),
    }
    block = Q()
    for column, value in keys.items():
        if value:
            block |= Q(**{column: value})
    return block or None


def score_record(
    registration: Registration, record: DirectoryRecord, *, exact_identifier: bool
) -> Candidate:
    comparisons = [
        FieldComparison(
            "name", registration.name, record.name, _name_similarity(registration, record)
        ),
        _compare("street", registration.street, record.street, street_key),
        _compare("city", registration.city, record.city, text_key),
        _compare("region", registration.region, record.region, region_key),
        _compare("postal_code", registration.postal_code, record.postal_code, zip_key),
        _compare("phone", registration.phone, record.phone, phone_key),
    ]
    total = sum(WEIGHTS[c.label] * c.similarity for c in comparisons) / sum(WEIGHTS.values())
    conflicts = _identifier_conflicts(registration, record)
    return Candidate(record, round(total), exact_identifier, comparisons, conflicts)


def _identifier_conflicts(
    registration: Registration, record: DirectoryRecord
) -> list[IdentifierConflict]:
    pairs = [
        ("OCLC symbol", registration.oclc_symbol, record.oclc_symbol),
        ("ISIL", registration.isil, record.isil),
    ]
    return [
        IdentifierConflict(title, applied, known)
        for title, applied, known in pairs
        if applied and known and applied.casefold() != known.casefold()
    ]


def _name_similarity(registration: Registration, record: DirectoryRecord) -> float:
    typed = [
        text_key(registration.name),
        text_key(f"{registration.name} {registration.department}"),
    ]
    known = [text_key(record.name), *(text_key(v) for v in record.variant_name_list)]
    return max(fuzz.token_set_ratio(a, b) for a in typed for b in known)


def _compare(label: str, typed: str, known: str, key: Callable[[str], str]) -> FieldComparison:
    left, right = key(typed), key(known)
    similarity = fuzz.token_sort_ratio(left, right) if left and right else 0.0
    if label in {"postal_code", "phone", "region"}:
        similarity = 100.0 if left and left == right else 0.0
    return FieldComparison(label, typed, known, similarity)
