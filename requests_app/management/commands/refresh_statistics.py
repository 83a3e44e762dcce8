"""Bring the office statistics' per-day tallies up to date, or rebuild them (docs/desk.md,
"Statistics"; the beat task does the former every 10 minutes)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from requests_app import tallies


class Command(BaseCommand):
    help = (
        "Recompute the statistics of the days whose requests changed since the last refresh; "
        "--all rebuilds every day, --year YYYY the days of one year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="Rebuild every day's figures.")
        which.add_argument(
            "--year", type=int, metavar="YYYY", help="Rebuild the figures of this year's days."
        )

    def handle(self, *args: object, year: int | None, **options: object) -> None:
        if year is not None and not 1900 <= year <= timezone.localdate().year:
            raise CommandError(f"--year must be a year up to this one, not {year}")
        if options["all"]:
            done = tallies.rebuild()
        elif year is not None:
            done = tallies.rebuild(year=year)
        else:
            done = tallies.refresh()
        as_of = timezone.localtime(done.as_of)
        self.stdout.write(f"{done.counted}; figures as of {as_of:%Y-%m-%d %H:%M:%S}.")
