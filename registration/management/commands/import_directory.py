"""Load a library directory file (IMLS PLS, UK ISIL registry, or the office's own CSV)."""

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registration.directory import CSV_COLUMNS, FORMATS, HeaderError, import_directory


class Command(BaseCommand):
    help = (
        "Import directory records, upserting by source and identifier; running it twice changes "
        f"nothing. The csv format's header is: {','.join(CSV_COLUMNS)} "
        "(see docs/directory-import.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="fmt")
        parser.add_argument("--source", default="", help="Source label (default per format).")
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, fmt: str, source: str, file: Path, **options: object) -> None:
        if not file.is_file():
            raise CommandError(f"{file} is not a readable file")
        try:
            report = import_directory(file, format_name=fmt, source=source)
        except HeaderError as error:
            raise CommandError(f"{file}: {error}") from None
        for line, reason in report.rejected:
            self.stderr.write(f"line {line}: rejected: {reason}")
        self.stdout.write(
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.rejected)} rejected"
        )
