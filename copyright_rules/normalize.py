"""Identifiers and titles normalized as the rules compare them (docs/copyright.md section 1,
and section 10, ruling 7): ISSNs and ISBNs checked by their check digit, titles and authors
lower-cased without punctuation. Pure Python, like `keys.py`, which builds the keys from them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

CACHE_SIZE = 65536


# Clarification 2: only hyphens are removed. U+2010/U+2011 are hyphens too (pasted from PDFs);
# dashes and spaces are not, so `0028 0836` and `ISSN 0028-0836` stay invalid, stricter than stdnum.
_HYPHENS = str.maketrans("", "", "-\u2010\u2011")


_ISSN_SHAPE = re.compile(r"[0-9]{7}[0-9X]", re.ASCII)


_ISBN_SEPARATORS = str.maketrans("", "", "-\u2010\u2011 ")


_ISBN_SHAPE = re.compile(r"[0-9]{9}[0-9X]|[0-9]{13}", re.ASCII)


_APOSTROPHES = frozenset("'\u2019\u02bc")


# Ruling 7: quotation marks used as apostrophes are apostrophes. Read before NFKC, which turns
# U+00B4 into a space and a combining accent.
_AS_APOSTROPHE = str.maketrans(dict.fromkeys("\u2018\u201b\u0060\u00b4", "'"))


_LEADING_ARTICLES = ("the ", "a ", "an ")


@lru_cache(maxsize=CACHE_SIZE)
def normalize_issn(value: str) -> str | None:
    """`NNNN-NNNC` with an upper-case X, or None when the input is not a valid ISSN (ISO 3297)."""
    compact = value.strip().translate(_HYPHENS).upper()
    if not _ISSN_SHAPE.fullmatch(compact) or not stdnum_issn.is_valid(compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


@lru_cache(maxsize=CACHE_SIZE)
def normalize_isbn(value: str) -> str | None:
    """The ISBN-13 (digits only), or None: a wrong check digit is never repaired (clarif. 2)."""
    compact = value.strip().translate(_ISBN_SEPARATORS).upper()
    if not _ISBN_SHAPE.fullmatch(compact) or not stdnum_isbn.is_valid(compact):
        return None
    return stdnum_isbn.to_isbn13(compact)


class _PunctuationTable(dict[int, str | None]):
    """A `str.translate` table filled on first sight of each character (clarification 5).

    Apostrophes are deleted (`Children's` -> `childrens`); other Unicode punctuation (P*) becomes
    a space; everything else, symbols (S*) included, is kept.
    """

    def __missing__(self, codepoint: int) -> str | None:
        char = chr(codepoint)
        if char in _APOSTROPHES:
            result: str | None = None
        elif unicodedata.category(char).startswith("P"):
            result = " "
        else:
            result = char
        self[codepoint] = result
        return result


_PUNCTUATION = _PunctuationTable()


def _without_format_characters(value: str) -> str:
    """Ruling 7: format characters (Cf: U+200B, U+00AD, U+2060...) are removed."""
    return "".join(char for char in value if unicodedata.category(char) != "Cf")


def _normalize_text(value: str) -> str:
    value = _without_format_characters(value.translate(_AS_APOSTROPHE))
    text = unicodedata.normalize("NFKC", value).casefold()
    # Clarification 4: `&` becomes ` and ` before punctuation (it is Po) and whitespace handling.
    text = text.replace("&", " and ").translate(_PUNCTUATION)
    return " ".join(text.split())


@lru_cache(maxsize=CACHE_SIZE)
def normalize_title(value: str) -> str:
    """docs/copyright.md section 1: format characters removed, NFKC, casefold, `&` -> and,
    punctuation removed (quotation marks used as apostrophes deleted), one leading article
    removed."""
    text = _normalize_text(value)
    for article in _LEADING_ARTICLES:
        if text.startswith(article):
            return text[len(article) :]
    return text


def first_author(author: str | Sequence[str] | None) -> str:
    """Clarification 8: the text before the first `;`, or the first item of a list."""
    if author is None:
        return ""
    if isinstance(author, str):
        return author.split(";", 1)[0]
    return author[0] if author else ""


@lru_cache(maxsize=CACHE_SIZE)
def _normalize_author_text(value: str) -> str:
    return _normalize_text(value)


def normalize_author(author: str | Sequence[str] | None) -> str:
    """Normalized like a title, but a leading `A.` is an initial, not an article (clarif. 8)."""
    return _normalize_author_text(first_author(author))
