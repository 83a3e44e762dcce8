"""Take the scans a scanner dropped into its hot folder: each becomes a delivery that finds its
request by the pull slip's barcode or its name, waiting on the review page (docs/delivery.md).
Run it from cron or a systemd path unit; handled files move to the folder's `received/`."""

from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from delivery import services
from delivery.models import DEFAULT_LANGUAGE, FROM_CITATION, Delivery, tesseract_code

DONE = "received"


class Command(BaseCommand):
    help = "Match and prepare the scans in the hot folder (DELIVERY_HOT_FOLDER or the one given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", default=settings.DELIVERY_HOT_FOLDER)
        parser.add_argument(
            "--language",
            default=FROM_CITATION,
            help="The language of the scans' text as a citation writes it: an ISO 639 code "
            "(fr, fre, fra) or its English name; English when unknown. Without it, each "
            "request's citation's, or English.",
        )

    def handle(self, *args: object, folder: str, language: str, **options: object) -> None:
        if not folder:
            raise CommandError("Give a folder, or set DELIVERY_HOT_FOLDER.")
        hot = Path(folder)
        if not hot.is_dir():
            raise CommandError(f"{hot} is not a folder.")
        found = sorted(p for p in hot.iterdir() if p.is_file() and not p.name.startswith("."))
        if not found:
            self.stdout.write("No scans waiting.")
            return
        code = tesseract_code(language) or FROM_CITATION
        if language and not code:
            code = DEFAULT_LANGUAGE
            self.stderr.write(f"Unknown language {language!r}: read as English.")
        with ExitStack() as files:
            streams = [(files.enter_context(path.open("rb")), path.name) for path in found]
            batch = services.receive_scans(streams, acting_user=None, language=code)
        (hot / DONE).mkdir(exist_ok=True)
        for path in found:
            path.rename(hot / DONE / path.name)
        refused = Delivery.objects.of_batch(batch).filter(status=Delivery.Status.REFUSED)
        for delivery in refused:
            self.stderr.write(f"Refused: {delivery.problem}")
        review = reverse("delivery:review", args=[batch])
        self.stdout.write(f"{len(found)} scan(s) received; review them at {review}")
