"""Take the scans a scanner dropped into its hot folder: each becomes a delivery that finds its
request by the pull slip's barcode or its name, waiting on the review page (docs/delivery.md).
Run it from cron or a systemd path unit; handled files move to the folder's `received/`."""

from contextlib import ExitStack
from pathlib import Path
from typing import Any

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

    def handle(self, *args: object, **options: Any) -> None:
        if not options["folder"]:
            raise CommandError("Give a folder, or set DELIVERY_HOT_FOLDER.")
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        found = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        if not found:
            self.stdout.write("No scans waiting.")
            return
        language = tesseract_code(options["language"]) or FROM_CITATION
        if options["language"] and not language:
            language = DEFAULT_LANGUAGE
            self.stderr.write(f"Unknown language {options['language']!r}: read as English.")
        with ExitStack() as files:
            streams = [(files.enter_context(path.open("rb")), path.name) for path in found]
            batch = services.receive_scans(streams, acting_user=None, language=language)
        (folder / DONE).mkdir(exist_ok=True)
        for path in found:
            path.rename(folder / DONE / path.name)
        refused = Delivery.objects.of_batch(batch).filter(status=Delivery.Status.REFUSED)
        for delivery in refused:
            self.stderr.write(f"Refused: {delivery.problem}")
        review = reverse("delivery:review", args=[batch])
        self.stdout.write(f"{len(found)} scan(s) received; review them at {review}")
