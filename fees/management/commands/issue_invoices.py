from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fees import services


class Command(BaseCommand):
    help = "Issue the invoices of a month (by default the month before this one): docs/fees.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="The month to invoice, as YYYY-MM.")

    def handle(self, *args: str, **options: str | None) -> None:
        month = self._month(options["month"])
        issued = services.issue_invoices(month)
        for invoice in issued:
            self.stdout.write(f"Invoice {invoice.number}: {invoice.currency} {invoice.total}")
        self.stdout.write(f"{len(issued)} invoices issued for {month:%Y-%m}.")

    def _month(self, text: str | None) -> date:
        if not text:
            return services.previous_month(timezone.localdate())
        try:
            return date.fromisoformat(f"{text}-01")
        except ValueError as error:
            raise CommandError(f"--month must be YYYY-MM, not {text!r}.") from error
