"""Bad files get a clear answer next to the field and change nothing: no delivery, no stored
file, the request as it was (docs/delivery.md, "Files refused")."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from delivery.models import Delivery
from registration.models import Institution
from requests_app.models import Request, Status
from tests.delivery import scans
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db


def encrypted() -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(scans.blank_pdf(1))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="office", user="secret"))
    return out.getvalue()


def restricted() -> bytes:
    """Encrypted with an owner password only: it opens, but is still encrypted."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(scans.blank_pdf(1))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="office", user=""))
    return out.getvalue()


def bomb() -> bytes:
    """196 million pixels in a few kilobytes: more than twice Pillow's default limit."""
    out = io.BytesIO()
    Image.new("1", (14_000, 14_000), 1).save(out, "PNG")
    return out.getvalue()


BAD: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "password": ("locked.pdf", encrypted, "protected by a password"),
    "encrypted": ("restricted.pdf", restricted, "the PDF is encrypted"),
    "corrupt": ("broken.pdf", lambda: b"%PDF-1.7\n" + b"\x00garbage" * 50, "damaged"),
    "no pages": ("empty.pdf", lambda: scans.blank_pdf(0), "it has no pages"),
    "500 pages": ("thick.pdf", lambda: scans.blank_pdf(500), "it has 500 pages, more than"),
    "bomb": ("huge.png", bomb, "too large to open safely"),
    "png named pdf": ("scan.pdf", lambda: scans.png(Image.new("L", (50, 50))), "the name says"),
    "text named pdf": ("scan.pdf", lambda: b"Dear colleague, " * 40, "not a PDF, TIFF"),
    "corrupt image": ("scan.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 80, "damaged"),
}


@pytest.mark.parametrize("case", BAD.keys())
def test_a_bad_file_is_refused_next_to_the_field_and_changes_nothing(
    case: str, desk: Client, institution: Institution, media_root: Path
) -> None:
    name, make, message = BAD[case]
    item = make_copy(institution)
    data = {
        "seen_status": item.status,
        "delivery_method": "electronic",
        "scans": [SimpleUploadedFile(name, make())],
        "language": "eng",
    }
    response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), data)
    page = response.content.decode()
    error = page.split('id="id_fill_scans_error"')[1].split("</ul>")[0]
    assert response.status_code == 400 and name in error and message in error
    assert Request.objects.get(pk=item.pk).status == Status.NEW
    assert not Delivery.objects.exists()
    assert not any(p.is_file() for p in Path(media_root).rglob("*"))


def test_one_bad_file_among_good_ones_stores_none(
    desk: Client, institution: Institution, media_root: Path
) -> None:
    item = make_copy(institution)
    good = SimpleUploadedFile("page-1.pdf", scans.text_pdf("Good"))
    bad = SimpleUploadedFile("page-2.pdf", scans.blank_pdf(0))
    data = {"seen_status": "new", "delivery_method": "electronic", "scans": [good, bad]}
    response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), {**data, "language": "eng"})
    assert response.status_code == 400 and b"page-2.pdf: it has no pages" in response.content
    assert not Delivery.objects.exists() and not any(Path(media_root).rglob("*.pdf"))


def test_the_page_cap_is_a_setting(desk: Client, institution: Institution, settings: Any) -> None:
    settings.DELIVERY_MAX_PAGES = 2
    item = make_copy(institution)
    upload = SimpleUploadedFile("three.pdf", scans.blank_pdf(3))
    data = {"seen_status": "new", "delivery_method": "electronic", "scans": upload}
    response = desk.post(reverse("desk:act", args=[item.pk, "fill"]), {**data, "language": "eng"})
    assert response.status_code == 400 and b"more than the 2 a copy may have" in response.content
