"""Run copyright test vectors (docs/copyright.md section 8) through the pure rule function."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from copyright_rules import conformance


class Command(BaseCommand):
    help = (
        "Evaluate each vector of a JSON Lines file in memory with the same rule function the "
        "application uses; print one JSON line per vector and 'N passed, M failed'. Exits 1 if "
        "any vector failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A .jsonl file, one vector per line.")

    def handle(self, *args: str, **options: Any) -> None:
        path: Path = options["file"]
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        results, passed, failed = conformance.run_lines(lines)
        for result in results:
            self.stdout.write(json.dumps(result.output, sort_keys=True))
            for problem in result.mismatches:
                self.stderr.write(f"{result.vector_id or result.line_number}: {problem}")
        self.stdout.write(f"{passed} passed, {failed} failed")
        if failed:
            raise CommandError(f"{failed} of {passed + failed} vectors failed", returncode=1)
