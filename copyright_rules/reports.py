"""Staff reports: compliance (counted copies per institution and title, four years) and fees.

Both are aggregate queries over the records, so a report costs a fixed number of queries
whatever its length. CSV cells that a spreadsheet would run as a formula are neutralised: titles
and references come from institutions.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.fields.json import KT

from copyright_rules.keys import ISBN_GROUP_PREFIX, ISBN_PREFIX, ISSN_GROUP_PREFIX, WORK_PREFIX
from copyright_rules.models import Record, TitleGroup
from illdesk.numbers import BIGINT_MAX, parse_number

YEARS_SHOWN = 4  # this year and each of the last three
_WORK_PREFIXES = (ISBN_GROUP_PREFIX, ISBN_PREFIX, WORK_PREFIX)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class ComplianceRow:
    institution: str
    institution_name: str
    title_key: str
    title: str
    counts: tuple[int, ...]  # this year first, then one per earlier year
    limit: int

    @property
    def standing(self) -> str:
        """ "over the limit" for 6 of 5: copies beyond the guidelines were counted."""
        if self.counts[0] > self.limit:
            return "over the limit"
        if self.counts[0] == self.limit:
            return "at the limit"
        return "near the limit" if self.counts[0] == self.limit - 1 else ""


def compliance_rows(year: int, *, institution: str | None = None) -> list[ComplianceRow]:
    """Counted copies per institution and title for `year` and the three years before it, the
    titles at or nearest the limit first."""
    years = [year - offset for offset in range(YEARS_SHOWN)]
    counts = {f"y{n}": Count("pk", filter=Q(year=y)) for n, y in enumerate(years)}
    rows = Record.objects.filter(counted=True, year__in=years).holding_slot()
    if institution:
        rows = rows.filter(institution__oclc_symbol=institution.upper())
    ordering = ["-y0", "-y1", "institution__oclc_symbol", "title_key"]
    grouped = (
        rows.values("institution__oclc_symbol", "institution__name", "title_key")
        .annotate(**counts)
        .order_by(*ordering)
    )
    result = list(grouped)
    keys = [row["title_key"] for row in result]
    names = {**_cited_titles(rows, keys), **_group_names(keys)}
    return [_compliance_row(row, names) for row in result]


def _compliance_row(row: Mapping[str, Any], names: dict[str, str]) -> ComplianceRow:
    key = row["title_key"]
    is_work = key.startswith(_WORK_PREFIXES)
    limit = (
        settings.COPYRIGHT_NONPERIODICAL_LIMIT if is_work else settings.COPYRIGHT_PERIODICAL_LIMIT
    )
    return ComplianceRow(
        institution=row["institution__oclc_symbol"],
        institution_name=row["institution__name"],
        title_key=key,
        title=names.get(key) or key.split(":", 1)[-1],
        counts=tuple(row[f"y{n}"] for n in range(YEARS_SHOWN)),
        limit=limit,
    )


def _cited_titles(rows: QuerySet[Record], keys: Sequence[str]) -> dict[str, str]:
    """A title as the institutions cited it, for keys the authority does not name (a lone
    ISSN or a bare title), in one query: the report names journals, never keys."""
    cited = (
        rows.filter(title_key__in=keys)
        .values("title_key")
        .annotate(title=Max(KT("citation__title")))
        .values_list("title_key", "title")
    )
    return {key: title for key, title in cited if title}


def _group_names(keys: Iterable[str]) -> dict[str, str]:
    """The authority name of each `ISSN-GROUP:`/`ISBN-GROUP:` key, in one query."""
    ids: dict[int, str] = {}
    for key in keys:
        for prefix in (ISSN_GROUP_PREFIX, ISBN_GROUP_PREFIX):
            suffix = key.removeprefix(prefix)
            group_id = parse_number(suffix, maximum=BIGINT_MAX) if suffix != key else None
            if group_id is not None:
                ids[group_id] = key
    if not ids:
        return {}
    groups = TitleGroup.objects.filter(pk__in=ids).values_list("pk", "name")
    return {ids[pk]: name for pk, name in groups}


def write_compliance_csv(out: Writable, rows: Sequence[ComplianceRow], year: int) -> None:
    writer = csv.writer(out)
    years = [str(year - offset) for offset in range(YEARS_SHOWN)]
    writer.writerow(["institution", "institution name", "title", "title key", *years, "limit"])
    for row in rows:
        cells = [row.institution, row.institution_name, row.title, row.title_key]
        writer.writerow([*map(safe_cell, cells), *row.counts, row.limit])


def fee_records() -> Iterator[Record]:
    """Every record with a permission recorded, newest first, for the fee report."""
    return (
        Record.objects.exclude(permission_reference="")
        .select_related("institution", "permission_entered_by")
        .order_by("-created_at", "-pk")
        .iterator(chunk_size=2000)
    )


def write_fee_csv(out: Writable, records: Iterable[Record]) -> None:
    writer = csv.writer(out)
    writer.writerow(
        [
            "record",
            "institution",
            "date",
            "title key",
            "permission reference",
            "entered by",
            "confirmed",
            "fee",
            "paid",
        ]
    )
    for record in records:
        writer.writerow(
            [
                record.pk,
                safe_cell(record.institution.oclc_symbol),
                record.local_date.isoformat(),
                safe_cell(record.title_key),
                safe_cell(record.permission_reference),
                safe_cell(_entered_by(record)),
                "yes" if record.permission_confirmed else "no",
                "" if record.permission_fee is None else f"{record.permission_fee:.2f}",
                "yes" if record.fee_paid else "no",
            ]
        )


def _entered_by(record: Record) -> str:
    user = record.permission_entered_by
    return user.get_username() if user is not None else ""


def safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
