"""What staff upload, examined before anything is stored or changed: the kind of file by its
content (never by its name alone), a PDF that opens unprotected with pages, an image that Pillow
will decode without a decompression bomb, and the page cap (docs/delivery.md, "Files refused").

Files are read as streams: a PDF's pages are counted by qpdf (pikepdf), which reads only the
cross-reference table and the page tree, and an image by its header."""

from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, BinaryIO, cast

import filetype
import pikepdf
from django.conf import settings
from PIL import Image, UnidentifiedImageError


class Kind(enum.Enum):
    """The kinds of file a copy is made from, by MIME type, with the names that say so."""

    PDF = ("application/pdf", (".pdf",))
    TIFF = ("image/tiff", (".tif", ".tiff"))
    JPEG = ("image/jpeg", (".jpg", ".jpeg"))
    PNG = ("image/png", (".png",))

    def __init__(self, mime: str, suffixes: tuple[str, ...]) -> None:
        self.mime = mime
        self.suffixes = suffixes

    @classmethod
    def of_mime(cls, mime: str) -> Kind | None:
        return next((kind for kind in cls if kind.mime == mime), None)

    @classmethod
    def of_name(cls, name: str) -> Kind | None:
        suffix = PurePath(name).suffix.lower()
        return next((kind for kind in cls if suffix in kind.suffixes), None)


ACCEPTED = "PDF, TIFF, JPEG or PNG"


class BadFile(Exception):
    """A file that cannot make a copy; the message is what staff read."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Examined:
    kind: Kind
    pages: int


def examine(stream: IO[bytes], name: str) -> Examined:
    """The file's kind and page count, or BadFile saying why it cannot be used."""
    kind = sniff(stream, name)
    stream.seek(0)
    pages = _pdf_pages(stream, name) if kind is Kind.PDF else _image_pages(stream, name)
    stream.seek(0)
    if pages == 0:
        raise BadFile(name, "it has no pages.")
    if pages > settings.DELIVERY_MAX_PAGES:
        raise BadFile(
            name,
            f"it has {pages} pages, more than the {settings.DELIVERY_MAX_PAGES} a copy may have "
            "(DELIVERY_MAX_PAGES).",
        )
    return Examined(kind, pages)


def sniff(stream: IO[bytes], name: str) -> Kind:
    """The kind by the file's first bytes, which must agree with what its name says."""
    stream.seek(0)
    head = stream.read(262)  # what filetype reads: enough for every signature it knows
    guessed = filetype.guess(head)
    kind = Kind.of_mime(guessed.mime) if guessed else None
    if kind is None:
        raise BadFile(name, f"this is not a {ACCEPTED} file.")
    named = Kind.of_name(name)
    if named is not None and named is not kind:
        raise BadFile(name, f"the name says {named.name} but the file is a {kind.name}.")
    return kind


def _pdf_pages(stream: IO[bytes], name: str) -> int:
    try:
        with pikepdf.open(cast(BinaryIO, stream)) as pdf:
            if pdf.is_encrypted:
                raise BadFile(name, "the PDF is encrypted; ask for a copy without a password.")
            return len(pdf.pages)
    except pikepdf.PasswordError as error:
        raise BadFile(name, "the PDF is protected by a password.") from error
    except pikepdf.PdfError as error:
        raise BadFile(name, "the PDF is damaged and cannot be read.") from error


def _image_pages(stream: IO[bytes], name: str) -> int:
    """Pages of an image (a TIFF may hold many). Pillow's pixel limit refuses a decompression
    bomb: a small file that would unpack into gigabytes of pixels."""
    Image.MAX_IMAGE_PIXELS = settings.DELIVERY_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                frames = getattr(image, "n_frames", 1)
                image.verify()
                return int(frames)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise BadFile(
            name, "the image is too large to open safely (more than DELIVERY_MAX_IMAGE_PIXELS)."
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise BadFile(name, "the image is damaged and cannot be read.") from error
