"""Which holding answers a request, and what the holdings suggest (docs/catalog.md,
"Ranking" and "Suggestions"). Pure: holdings and the request's volume and year in, candidates
and one suggestion out."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from catalog.models import Availability, MatchedBy, Suggestion
from catalog.records import Holding, Item

_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
# A holdings statement's ranges are separated by commas or semicolons: "v.1-10 (1990-1999); v.12
# (2001)-v.20 (2009); v.21-". Parenthesised parts are the years (the chronology).
_PARENS = re.compile(r"\(([^)]*)\)")
_VOLUME_MARK = re.compile(r"\b(v|vol|bd|t)\b\.?", re.IGNORECASE)


@dataclass(frozen=True)
class Wanted:
    """The part of a request the holdings must cover."""

    volume: int | None = None
    year: int | None = None

    @classmethod
    def of(cls, volume: str, publication_date: str) -> Wanted:
        number = _NUMBER.search(volume or "")
        year = _YEAR.search(publication_date or "")
        return cls(int(number[0]) if number else None, int(year[0]) if year else None)

    def __str__(self) -> str:
        parts = [f"v.{self.volume}" if self.volume is not None else "", str(self.year or "")]
        return " ".join(filter(None, parts))


@dataclass(frozen=True)
class Ranked:
    holding: Holding
    availability: Availability
    due_date: date | None
    covers: bool | None
    why: str


@dataclass(frozen=True)
class Advice:
    suggestion: str  # a Suggestion value, or "" when the holdings decide nothing
    note: str
    clear: bool


def _span(numbers: list[int], segment: str) -> tuple[float, float] | None:
    if not numbers:
        return None
    open_ended = segment.rstrip().endswith("-")
    return min(numbers), math.inf if open_ended else max(numbers)


def _volume_span(segment: str) -> tuple[float, float] | None:
    if not _VOLUME_MARK.search(segment):
        return None
    enumeration = _PARENS.sub(" ", segment)
    return _span([int(n) for n in _NUMBER.findall(enumeration)], enumeration)


def _year_span(segment: str) -> tuple[float, float] | None:
    chronology = " ".join(_PARENS.findall(segment)) or _PARENS.sub(" ", segment)
    if _VOLUME_MARK.search(chronology):
        return None
    return _span([int(y) for y in _YEAR.findall(chronology)], segment)


def statement_covers(statement: str, wanted: Wanted) -> bool | None:
    """Whether a holdings statement includes the volume (or, failing one, the year) asked for:
    None when the statement says nothing this can read, or nothing particular is asked for."""
    segments = [part for part in re.split(r"[,;]", statement) if part.strip()]
    for asked, read in ((wanted.volume, _volume_span), (wanted.year, _year_span)):
        spans = [span for part in segments if (span := read(part))]
        if asked is not None and spans:
            return any(low <= asked <= high for low, high in spans)
    return None


def _holds_volume(item: Item, volume: int) -> bool:
    """An item's volume: "v.3" is volume 3; "v.42-70" (a bound run) is each of 42 to 70."""
    numbers = [int(n) for n in _NUMBER.findall(_PARENS.sub(" ", item.volume))]
    if "-" in item.volume and numbers:
        return min(numbers) <= volume <= max(numbers)
    return volume in numbers[:1]


def _items_for(items: tuple[Item, ...], wanted: Wanted) -> tuple[Item, ...]:
    """The items of the volume asked for (all of them when the items carry no volumes)."""
    if wanted.volume is None or not any(item.volume for item in items):
        return items
    return tuple(item for item in items if _holds_volume(item, wanted.volume))


def rank(holding: Holding, wanted: Wanted) -> Ranked:
    covers = statement_covers(holding.statement, wanted)
    items = _items_for(holding.items, wanted)
    if covers is None and wanted.volume is not None and any(i.volume for i in holding.items):
        covers = bool(items)  # no statement: the items of a multi-volume set say it
    shelf = [item for item in items if item.availability == Availability.AVAILABLE]
    out = [item for item in items if item.availability == Availability.CHECKED_OUT]
    if shelf:
        availability, due = Availability.AVAILABLE, None
    elif out and len(out) == len(items):
        availability = Availability.CHECKED_OUT
        due = min((item.due_date for item in out if item.due_date), default=None)
    else:
        availability, due = Availability.UNKNOWN, None
    return Ranked(holding, availability, due, covers, _why(holding, wanted, covers, availability))


def _why(holding: Holding, wanted: Wanted, covers: bool | None, availability: str) -> str:
    held = holding.statement or "no holdings statement"
    if covers is False:
        return f"Holds {held}: not {wanted}."
    if covers:
        return f"Holds {wanted} ({held}); {Availability(availability).label.lower()}."
    return f"{held.capitalize()}; {Availability(availability).label.lower()}."


_ORDER = {Availability.AVAILABLE: 0, Availability.UNKNOWN: 1, Availability.CHECKED_OUT: 2}
_COVER_ORDER = {True: 0, None: 1, False: 2}


def best_first(holdings: list[Holding], wanted: Wanted) -> list[Ranked]:
    """Holdings that cover the request before the rest; on the shelf before not known before
    checked out; then in catalog order."""
    ranked = [rank(holding, wanted) for holding in holdings]
    return sorted(ranked, key=lambda r: (_COVER_ORDER[r.covers], _ORDER[r.availability]))


def advise(ranked: list[Ranked], matched_by: str) -> Advice:
    """The suggestion the holdings make, and whether it is clear enough to act on unattended:
    the record was found by an identifier, and what it says leaves no doubt."""
    by_identifier = matched_by not in ("", MatchedBy.TITLE)
    if not ranked:
        return Advice(Suggestion.NOT_OWNED, "Not in the catalog.", False)
    best = ranked[0]
    if best.covers is False:
        note = f"Not owned: the catalog holds {best.holding.statement or 'other volumes'}."
        return Advice(Suggestion.NOT_OWNED, note, by_identifier)
    if best.availability == Availability.CHECKED_OUT:
        due = f", due back {best.due_date:%Y-%m-%d}" if best.due_date else ""
        return Advice(Suggestion.IN_USE, f"In use: checked out{due}.", by_identifier)
    if best.availability == Availability.AVAILABLE:
        where = " ".join(filter(None, [best.holding.location, best.holding.call_number]))
        return Advice(Suggestion.PULL, f"On the shelf: {where}.", False)
    return Advice("", "The catalog does not say whether it is on the shelf.", False)


def conditions_while_in_use(due: date | None) -> str:
    """The conditional reply an "in use" suggestion offers beside the refusal: the item is
    supplied once it is back (ISO 18626 partners get WillSupply with these words)."""
    back = f"it is due back {due:%Y-%m-%d}" if due else "its due date is not known"
    return f"In use: checked out, {back}. We can supply it once it is returned, if you will wait."
