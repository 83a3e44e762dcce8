"""Delete the copyright records whose three-year retention has ended (docs/copyright.md 7)."""

from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from copyright_rules import retention


class Command(BaseCommand):
    help = (
        "Delete records kept past 31 December of their year + 3 that are final, have no unpaid "
        "fee and no legal hold. Runs in batches; an interrupted run can simply be run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Purge as if today were this date in each record's own time zone (default: "
            "now, each record due once the date in its zone reaches its purge date); a later "
            "date than today is accepted with --dry-run only.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=retention.BATCH_SIZE,
            metavar="N",
            help=f"Records deleted per transaction, at most {retention.MAX_BATCH_SIZE} "
            f"(default: {retention.BATCH_SIZE}).",
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="Rest after each batch, leaving the database to interactive work (default: 0).",
        )

    def handle(self, *args: str, **options: Any) -> None:
        when: retention.PurgeTime = timezone.now()
        if options["today"]:
            real = retention.copyright_today()
            when = _given_today(options["today"], real=real, dry_run=options["dry_run"])
        batch_size, pause = options["batch_size"], options["pause"]
        if errors := retention.pacing_errors(batch_size, pause):
            options_wrong = (f"--{name.replace('_', '-')} {why}" for name, why in errors.items())
            raise CommandError("; ".join(options_wrong))
        if options["dry_run"]:
            due = retention.count_due_records(when)
            self.stdout.write(f"{due} records are due for purging on {_day(when)} (dry run).")
            return
        deleted = retention.purge_due_records(when, batch_size=batch_size, pause=pause)
        self.stdout.write(f"{deleted} records purged (due on or before {_day(when)}).")


def _day(when: retention.PurgeTime) -> date:
    """The day to name in the output: the given day, or today in COPYRIGHT_TIME_ZONE."""
    return when if not isinstance(when, datetime) else retention.copyright_today()


def _given_today(value: str, *, real: date, dry_run: bool) -> date:
    """The --today option. A record is never deleted before its purge date by the real clock
    (docs/copyright.md section 7), so a later day may only be used to count what would be due."""
    try:
        today = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}") from None
    if today > real and not dry_run:
        raise CommandError(
            f"--today {today} is later than today ({real}): records would be deleted before "
            "their purge date. Use it with --dry-run to see what will be due."
        )
    return today
