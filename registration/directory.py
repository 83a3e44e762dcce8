"""Import library directory files into DirectoryRecord: streamed, upserted, idempotent.

Each format turns one CSV row into the fields of a record, or raises RowRejected with the reason;
`import_directory` reads the file in batches, so a 10,000-row file never sits in memory whole.
"""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from registration.models import OCLC_SYMBOL_VALIDATOR, DirectoryRecord
from registration.normalize import isil_or_blank, phone_key, region_key, text_key, zip_key

BATCH_SIZE = 500
Row = dict[str, str]
Fields = dict[str, str]

# The generic format's header: an office exports its own OCLC-symbol list in these columns.
CSV_COLUMNS = [
    "oclc_symbol",
    "isil",
    "name",
    "variant_names",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
    "email",
]
CSV_REQUIRED = {"oclc_symbol", "name"}


class RowRejected(Exception):
    """A row that cannot be imported; the message says why, for the report."""


class HeaderError(Exception):
    """The file does not have the columns its format needs."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.rejected)


def _clean(row: Row, column: str) -> str:
    # Some registries pad blank fields with spaces.
    return (row.get(column) or "").strip()


def _require(value: str, what: str) -> str:
    if not value:
        raise RowRejected(f"{what} is missing")
    return value


def imls_pls_fields(row: Row) -> Fields:
    key = _clean(row, "FSCSKEY").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{4}", key):
        raise RowRejected(f"FSCSKEY {key!r} is not two letters and four digits")
    phone = _clean(row, "PHONE")
    return {
        "record_key": key,
        "fscs_key": key,
        "name": _require(_clean(row, "LIBNAME"), "LIBNAME"),
        "street": _clean(row, "ADDRESS"),
        "city": _clean(row, "CITY"),
        "region": _clean(row, "STABR"),
        "postal_code": _clean(row, "ZIP"),
        "country": "United States",
        # IMLS codes a missing or suppressed phone as -3 or -4.
        "phone": "" if phone.startswith("-") else phone,
    }


def uk_isil_fields(row: Row) -> Fields:
    isil = _isil(_require(_clean(row, "ISIL"), "ISIL"))
    variants = [v.strip() for v in _clean(row, "Variant or previous name(s)").split(";")]
    return {
        "record_key": isil,
        "isil": isil,
        "name": _require(_clean(row, "Organization name"), "Organization name"),
        "variant_names": "\n".join(v for v in variants if v),
        "street": _clean(row, "Address"),
        "city": _clean(row, "Town/City"),
        "region": _clean(row, "County"),
        "postal_code": _clean(row, "Postcode"),
        "country": _clean(row, "Country") or "United Kingdom",
    }


def generic_csv_fields(row: Row) -> Fields:
    symbol = _require(_clean(row, "oclc_symbol"), "oclc_symbol").upper()
    try:
        OCLC_SYMBOL_VALIDATOR(symbol)
    except ValidationError:
        raise RowRejected(f"oclc_symbol {symbol!r} is not 3-6 of A-Z 0-9 @ # $") from None
    email = _clean(row, "email")
    if email:
        _check_email(email)
    variants = [v.strip() for v in _clean(row, "variant_names").split(";")]
    return {
        "record_key": symbol,
        "oclc_symbol": symbol,
        "isil": _isil(_clean(row, "isil")),
        "name": _require(_clean(row, "name"), "name"),
        "variant_names": "\n".join(v for v in variants if v),
        **{col: _clean(row, col) for col in ("street", "city", "region", "postal_code", "phone")},
        "country": _clean(row, "country") or "United States",
        "email": email,
    }


# ISO 15511's shape: a prefix, a hyphen, at most 16 characters of A-Z a-z 0-9 - / :. Registries
# issue prefixes python-stdnum does not list yet (JE- for Jersey), and a registry is the authority
# on its own identifiers, so an import accepts any well-formed ISIL.
ISIL_SHAPE = re.compile(r"[A-Za-z0-9]{1,4}-[A-Za-z0-9/:-]{1,11}")


def _isil(value: str) -> str:
    try:
        return isil_or_blank(value)
    except ValueError:
        if len(value) <= 16 and ISIL_SHAPE.fullmatch(value):
            return value
        raise RowRejected(f"{value!r} is not a valid ISIL or MARC organization code") from None


def _check_email(value: str) -> None:
    try:
        validate_email(value)
    except ValidationError:
        raise RowRejected(f"email {value!r} is not an email address") from None


@dataclass(frozen=True)
class DirectoryFormat:
    source: str
    required_columns: frozenset[str]
    to_fields: Callable[[Row], Fields]


FORMATS = {
    "imls-pls": DirectoryFormat("IMLS PLS", frozenset({"FSCSKEY", "LIBNAME"}), imls_pls_fields),
    "uk-isil": DirectoryFormat(
        "UK ISIL registry", frozenset({"ISIL", "Organization name"}), uk_isil_fields
    ),
    "csv": DirectoryFormat("Office OCLC symbol list", frozenset(CSV_REQUIRED), generic_csv_fields),
}


def decoded_lines(handle: IO[bytes]) -> Iterator[str]:
    """Text lines from a file that may be UTF-8 (with or without a BOM) or Windows-1252: each line
    is decoded on its own, so a stray cp1252 byte costs nothing but that line's decoding."""
    for number, raw in enumerate(handle):
        line = raw[3:] if number == 0 and raw.startswith(b"\xef\xbb\xbf") else raw
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            yield line.decode("cp1252", errors="replace")


def parsed_rows(lines: Iterable[str], fmt: DirectoryFormat) -> Iterator[tuple[int, Fields | str]]:
    """(line number, fields) for good rows, (line number, reason) for rejected ones."""
    reader = csv.DictReader(lines)
    missing = fmt.required_columns - set(reader.fieldnames or [])
    if missing:
        raise HeaderError(f"the header lacks the column(s): {', '.join(sorted(missing))}")
    for row in reader:
        try:
            if None in row:
                raise RowRejected("more fields than the header has columns")
            yield reader.line_num, with_match_keys(fmt.to_fields(row))
        except RowRejected as reason:
            yield reader.line_num, str(reason)


def with_match_keys(fields: Fields) -> Fields:
    for name, value in fields.items():
        limit = getattr(DirectoryRecord._meta.get_field(name), "max_length", None)
        if limit and len(value) > limit:
            raise RowRejected(f"{name} is longer than {limit} characters")
    return {
        **fields,
        "region_key": region_key(fields.get("region", "")),
        "city_key": text_key(fields.get("city", "")),
        "zip_key": zip_key(fields.get("postal_code", "")),
        "phone_key": phone_key(fields.get("phone", "")),
    }


def import_directory(path: Path, *, format_name: str, source: str = "") -> ImportReport:
    fmt = FORMATS[format_name]
    report = ImportReport()
    with path.open("rb") as handle:
        rows = parsed_rows(decoded_lines(handle), fmt)
        while batch := list(islice(rows, BATCH_SIZE)):
            _upsert_batch(batch, source=source or fmt.source, report=report)
    return report


def _upsert_batch(
    batch: list[tuple[int, Fields | str]], *, source: str, report: ImportReport
) -> None:
    good: dict[str, tuple[int, Fields]] = {}
    for line, fields in batch:
        if isinstance(fields, str):
            report.rejected.append((line, fields))
        elif fields["record_key"] in good:
            earlier = good[fields["record_key"]][0]
            report.rejected.append((line, f"same identifier as line {earlier}"))
        else:
            good[fields["record_key"]] = (line, fields)
    with transaction.atomic():
        existing = {
            r.record_key: r
            for r in DirectoryRecord.objects.filter(source=source, record_key__in=list(good))
        }
        _write(good, existing, source=source, report=report)


def _write(
    good: dict[str, tuple[int, Fields]],
    existing: dict[str, DirectoryRecord],
    *,
    source: str,
    report: ImportReport,
) -> None:
    now = timezone.now()
    new, changed = [], []
    for key, (_line, fields) in good.items():
        record = existing.get(key)
        if record is None:
            new.append(DirectoryRecord(source=source, imported_at=now, **fields))
        elif any(getattr(record, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(record, name, value)
            record.imported_at = now
            changed.append(record)
        else:
            report.unchanged += 1
    DirectoryRecord.objects.bulk_create(new)
    update_fields = sorted(
        {name for _, fields in good.values() for name in fields} | {"imported_at"}
    )
    DirectoryRecord.objects.bulk_update(changed, update_fields)
    report.added += len(new)
    report.updated += len(changed)
