from django.core.management.base import BaseCommand, CommandParser

from fees import stats


class Command(BaseCommand):
    help = (
        "Bring the statistics' revenue up to date, as the beat task does; --all recomputes "
        'every month from the ledger (docs/fees.md, "Statistics").'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Recompute every month.")

    def handle(self, *args: str, **options: bool) -> None:
        months = stats.rebuild() if options["all"] else stats.refresh()
        self.stdout.write(f"Revenue: {months} month(s) recomputed.")
