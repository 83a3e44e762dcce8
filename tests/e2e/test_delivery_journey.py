"""Journey: a staff member fills a copy electronically from an image-only scan on the request
page (the scan read, a cover page with the copyright notice added, the request filled by the
worker), then drops a batch of scans, reviews what each found and delivers them all; each page
passes the accessibility audit."""

import time
from typing import Any

import pytest

from delivery import cover
from requests_app.models import Request, Status
from tests.delivery import scans
from tests.e2e.helpers import DESK_PERMISSIONS, STAFF_PASSWORD, create_librarian, create_staff
from tests.requests_app.factories import make_copy

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

WORDS = ["interlibrary", "photocopy", "periodical", "manuscript"]


def reload_until(page: Any, text: str, *, timeout: float = 240.0) -> None:
    """The pages work without JavaScript: staff reload to see the worker's progress."""
    deadline = time.monotonic() + timeout
    while text not in page.content():
        assert time.monotonic() < deadline, f"{text!r} never appeared"
        time.sleep(1)
        page.reload()


def test_staff_fill_a_copy_from_a_scan_and_deliver_a_batch(
    new_context: Any, audit: Any, screenshot: Any, tmp_path: Any
) -> None:
    library = create_librarian("NYBKL", "Brooklyn College Library")
    create_staff("desk", permissions=DESK_PERMISSIONS)
    article = make_copy(library, patron_ref="BKL-2024-77")
    batched = make_copy(library, article_title="A second article")
    scan = tmp_path / "page-1.png"
    scan.write_bytes(scans.png(scans.page(WORDS * 3)))

    page = new_context().new_page()
    page.goto(f"/desk/{article.pk}/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_label("Electronic (PDF download)").check()
    page.get_by_label("Scanned files").set_input_files(str(scan))
    page.get_by_label("Copyright notice found on the work").fill("Copyright 2024 Example Press")
    page.get_by_role("button", name="Fill the copy").click()
    page.get_by_role("heading", name="Electronic delivery").wait_for()
    audit.check(page, "desk request, electronic delivery under way")
    reload_until(page, "Download the delivered copy")
    audit.check(page, "desk request, copy delivered")
    screenshot(page, "copy-delivered-from-a-scan")
    pdf = page.request.get(f"/desk/{article.pk}/copy.pdf").body()
    text = " ".join(scans.text_of(pdf).split())
    assert all(word in text for word in WORDS)
    assert "Copyright 2024 Example Press" in text and cover.SECTION_108 in text

    batch = tmp_path / f"{batched.pk}.pdf"
    batch.write_bytes(scans.text_pdf("Scanned for the batch"))
    page.goto("/desk/scans/")
    audit.check(page, "deliver scans")
    page.get_by_label("Scanned files").set_input_files(str(batch))
    page.get_by_role("button", name="Upload and match").click()
    page.get_by_role("heading", name="Review scans").wait_for()
    reload_until(page, "Ready to deliver")
    audit.check(page, "review scans")
    page.get_by_label("I checked each match").check()
    page.get_by_role("button", name="Deliver all ready scans").click()
    deadline = time.monotonic() + 120
    while Request.objects.get(pk=batched.pk).status != Status.DELIVERED:
        assert time.monotonic() < deadline, "the batch was not delivered"
        time.sleep(0.5)
    audit.assert_clean()
