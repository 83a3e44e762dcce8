"""Electronic delivery on this machine: OCR pages per minute and the size of a delivered copy.

    python -m bench.delivery        # BENCH_DELIVERY_PAGES=2 for a quick run (default 20)

It makes an image-only scan of BENCH_DELIVERY_PAGES letter pages (the tests' scan generator:
known words, turned and noised), runs the pipeline's file work on it in this process (join, text
layer with OCRmyPDF and Tesseract, cover page, the checks) and reports the OCR rate and the
delivered file's size. No database: the request on the cover is an unsaved one."""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path


def measure(pages: int | None = None) -> dict[str, object]:
    from delivery import checks, cover, pipeline
    from delivery.files import Kind
    from registration.models import Institution
    from requests_app.models import Request
    from tests.delivery import scans

    pages = pages or int(os.environ.get("BENCH_DELIVERY_PAGES", "20"))
    words = scans.WORDS * 8
    with tempfile.TemporaryDirectory(prefix="illdesk-bench-delivery-") as folder:
        work = Path(folder)
        source = work / "scan.pdf"
        source.write_bytes(scans.image_pdf(*(scans.page(words) for _ in range(pages))))
        joined = work / "joined.pdf"
        pipeline.join_sources([(source, Kind.PDF)], joined)
        started = time.monotonic()
        scan = pipeline.add_text_layer(joined, work / "ocr.pdf", language="eng")
        ocr_seconds = time.monotonic() - started
        item = Request(pk=1, title="Journal of Benchmarks", article_title="On speed", pages="1-20")
        item.institution = Institution(name="Benchmark Library")
        html = cover.cover_html(item, notice="", pages=pages, delivered_on=_today())
        pipeline.make_cover(html, work / "cover.pdf")
        out = work / "delivered.pdf"
        pipeline.join_cover(work / "cover.pdf", scan.path, out, title="On speed", language="eng")
        return {
            "delivery_pages": pages,
            "delivery_ocr_pages_per_min": round(pages / ocr_seconds * 60, 1),
            "delivery_ocr_s": round(ocr_seconds, 1),
            "delivery_copy_kib": round(out.stat().st_size / 1024),
            "delivery_source_kib": round(source.stat().st_size / 1024),
            "delivery_check_problems": len(checks.problems(out)),
        }


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "illdesk.settings")
    django.setup()
    print(json.dumps(measure()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
