"""Scans made in the tests: pages rendered from known words with Pillow, turned a little and
noised as a scanner leaves them, with the pull slip's barcode drawn by the desk's own code."""

from __future__ import annotations

import io
import random

import img2pdf
import pikepdf
import pypdfium2
import weasyprint
from PIL import Image, ImageDraw, ImageFont

from requests_app.templatetags.desk_print import barcode_src

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
WORDS = ["interlibrary", "photocopy", "periodical", "manuscript", "catalogue", "archive"]
DPI = 150


def page(words: list[str], *, slip_for: int | None = None, angle: float = 1.5) -> Image.Image:
    """A letter page at 150 ppi: the words in large print, the pull slip's barcode above them."""
    image = Image.new("L", (int(8.5 * DPI), 11 * DPI), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34)
    top = 120
    if slip_for is not None:
        image.paste(slip_barcode(slip_for), (120, top))
        top += 260
    for row in range(0, len(words), 4):
        draw.text((120, top), " ".join(words[row : row + 4]), font=font, fill=0)
        top += 70
    return _noised(image.rotate(angle, expand=False, fillcolor=255))


def slip_barcode(number: int) -> Image.Image:
    """The pull slip's Code 128 (the desk's SVG, as the slip prints it), rasterised."""
    html = f'<img src="{barcode_src(number)}" style="width: 9cm">'
    pdf = weasyprint.HTML(string=f"<html><body style='margin:0'>{html}</body></html>").write_pdf(
        stylesheets=[weasyprint.CSS(string="@page { size: 10cm 3cm; margin: 0 }")]
    )
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=DPI / 72).to_pil().convert("L")
    finally:
        document.close()


def _noised(image: Image.Image) -> Image.Image:
    rng = random.Random(7)
    pixels = image.load()
    assert pixels is not None
    for _ in range(image.width * image.height // 400):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        pixels[x, y] = rng.choice((0, 96, 192))
    return image


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()


def tiff(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "TIFF", dpi=(DPI, DPI), compression="tiff_lzw")
    return out.getvalue()


def image_pdf(*images: Image.Image) -> bytes:
    """An image-only PDF, as a scanner makes it: no text layer."""
    return img2pdf.convert([png(image) for image in images])


def text_pdf(text: str, *, pages: int = 1) -> bytes:
    """A born-digital PDF: it has its text layer already."""
    body = "".join(f"<p style='break-after: page'>{text} {n}</p>" for n in range(1, pages + 1))
    return weasyprint.HTML(string=f"<html lang='en'><body>{body}</body></html>").write_pdf()


def blank_pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(612, 792))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def text_of(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(p.get_textpage().get_text_bounded() for p in document)
    finally:
        document.close()
