"""Each accepted kind of file is known by its content and counted in pages (delivery/files.py)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from delivery.files import Kind, examine
from tests.delivery import scans


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("L", (200, 260), 255).save(out, "JPEG")
    return out.getvalue()


def three_page_tiff() -> bytes:
    out = io.BytesIO()
    pages = [Image.new("L", (200, 260), shade) for shade in (255, 200, 150)]
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:])
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind", "pages"),
    [
        ("copy.pdf", lambda: scans.text_pdf("Two", pages=2), Kind.PDF, 2),
        ("page.jpg", jpeg, Kind.JPEG, 1),
        ("page.jpeg", jpeg, Kind.JPEG, 1),
        ("pages.tif", three_page_tiff, Kind.TIFF, 3),
        ("page.png", lambda: scans.png(Image.new("L", (200, 260))), Kind.PNG, 1),
        ("no-suffix", jpeg, Kind.JPEG, 1),
    ],
)
def test_accepted_files_are_known_by_their_content(
    name: str, content: Callable[[], bytes], kind: Kind, pages: int
) -> None:
    found = examine(io.BytesIO(content()), name)
    assert (found.kind, found.pages) == (kind, pages)
