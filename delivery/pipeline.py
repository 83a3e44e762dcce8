"""The delivery pipeline's file work, on files in a working folder (the worker's, never the web
process's): join the sources into one PDF, find the pull slip's barcode, add a text layer where
there is none, make the cover page, join it to the scan and make the file declare itself
(docs/delivery.md). No database here: services.py reads and writes the rows around it."""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import ocrmypdf
import pikepdf
import pypdfium2
import zxingcpp
from django.conf import settings
from PIL import Image

from delivery.files import Kind
from delivery.models import DEFAULT_LANGUAGE, LANGUAGES, tesseract_code

COVER_BOOKMARK = "Cover page and copyright notice"
_REQUEST_NUMBER = re.compile(r"\d{1,12}")


@functools.cache
def installed_languages() -> frozenset[str]:
    """The languages Tesseract has data for on this machine (`tesseract --list-langs`)."""
    listed = subprocess.run(  # noqa: S603  (a fixed command, no shell)
        ["tesseract", "--list-langs"],
        capture_output=True,
        text=True,
        check=False,  # noqa: S607
    ).stdout.split()
    return frozenset(listed) & frozenset(LANGUAGES)


def ocr_language(language: str) -> str:
    """The language Tesseract reads in: the one asked for (a code of LANGUAGES or a citation's
    form of it, models.tesseract_code) when its data is installed here, English otherwise."""
    code = tesseract_code(language)
    return code if code in installed_languages() else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Scan:
    """The sources as one PDF, with a text layer: what staff review before delivery."""

    path: Path
    pages: int
    pages_with_text_before: int


def join_sources(sources: Sequence[tuple[Path, Kind]], out: Path) -> int:
    """One PDF of every source in order; returns its page count."""
    with pikepdf.new() as joined:
        for path, kind in sources:
            pdf_path = path if kind is Kind.PDF else _image_as_pdf(path)
            with pikepdf.open(pdf_path) as part:
                joined.pages.extend(part.pages)
        joined.save(out)
        return len(joined.pages)


def _image_as_pdf(path: Path) -> Path:
    """img2pdf embeds JPEG and most TIFF and PNG data losslessly; it refuses an alpha channel,
    which a scan never needs, so such an image is flattened first."""
    with Image.open(path) as image:
        if "A" in image.getbands() or image.mode == "P":
            flat = path.with_suffix(".flat.png")
            image.convert("RGB").save(flat)
            path = flat
    out = path.with_suffix(".pdf")
    out.write_bytes(img2pdf.convert(str(path), rotation=img2pdf.Rotation.ifvalid))
    return out


def first_page_barcode(pdf: Path) -> str:
    """The request number of the pull slip's Code 128 barcode on the first page, if any."""
    image = render_page(pdf, scale=200 / 72)
    for found in zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.Code128)
    ):
        if _REQUEST_NUMBER.fullmatch(found.text):
            return found.text
    return ""


def render_page(pdf: Path, *, scale: float, index: int = 0) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[index].render(scale=scale).to_pil()
    finally:
        document.close()


def text_of(pdf: Path, *, limit: int | None = None) -> list[str]:
    """Each page's extracted text (the first `limit` pages)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        count = len(document) if limit is None else min(limit, len(document))
        return [document[i].get_textpage().get_text_bounded() for i in range(count)]
    finally:
        document.close()


def add_text_layer(pdf: Path, out: Path, *, language: str) -> Scan:
    """OCRmyPDF with Tesseract: pages that have text keep it (skip_text), the others are deskewed,
    turned upright and given an invisible text layer over the image."""
    with_text = sum(1 for text in text_of(pdf) if text.strip())
    ocrmypdf.ocr(
        pdf,
        out,
        language=[language],
        skip_text=True,
        deskew=True,
        rotate_pages=True,
        output_type="pdf",
        optimize=settings.DELIVERY_OCR_OPTIMIZE,
        jobs=settings.DELIVERY_OCR_JOBS,
        progress_bar=False,
    )
    with pikepdf.open(out) as done:
        pages = len(done.pages)
    return Scan(out, pages, with_text)


def thumbnail(pdf: Path, out: Path) -> None:
    image = render_page(pdf, scale=0.5)
    image.thumbnail((300, 400))
    image.convert("RGB").save(out, "PNG")


def make_cover(html: str, out: Path) -> None:
    """The cover page as a tagged PDF (WeasyPrint's PDF/UA-1 output: structure tree, /Lang,
    title shown instead of the file name)."""
    # Imported here, where it is used: loading WeasyPrint takes seconds, and every process that
    # imports the desk (each web and worker process, every management command) would pay them.
    import weasyprint

    weasyprint.HTML(string=html).write_pdf(out, pdf_variant="pdf/ua-1")


def join_cover(cover: Path, scan: Path, out: Path, *, title: str, language: str) -> None:
    """The cover first, then the scan's pages with their text layer as they are; the cover's
    structure tree stays (its pages keep their marked content), the document says its title
    and language, and bookmarks lead to the cover and the article."""
    with pikepdf.open(cover) as joined, pikepdf.open(scan) as article:
        cover_pages = len(joined.pages)
        joined.pages.extend(article.pages)
        _declare(joined, title=title, language=language)
        with joined.open_outline() as outline:
            outline.root[:] = [
                pikepdf.OutlineItem(COVER_BOOKMARK, 0),
                pikepdf.OutlineItem(title, cover_pages),
            ]
        joined.save(out)


def _declare(pdf: pikepdf.Pdf, *, title: str, language: str) -> None:
    tag = LANGUAGES.get(language, LANGUAGES[DEFAULT_LANGUAGE]).tag
    pdf.Root.Lang = pikepdf.String(tag)
    # The cover is in English whatever the work's language.
    for element in pdf.Root.StructTreeRoot.get("/K", pikepdf.Array()).as_list():
        if isinstance(element, pikepdf.Dictionary):
            element.Lang = pikepdf.String("en")
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    pdf.docinfo["/Title"] = pikepdf.String(title)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["dc:language"] = [tag]
        # The cover alone is PDF/UA; the scanned pages are not tagged, so the whole file must
        # not claim conformance (docs/delivery.md, "What the file is not").
        for key in ("pdfuaid:part", "pdfuaid:rev"):
            if key in meta:
                del meta[key]
