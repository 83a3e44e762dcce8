"""The delivered file's machine-checkable declarations (docs/delivery.md, "What is checked"):
the subset of PDF/UA-1 and WCAG's PDF techniques that a program can decide for a scan with a
tagged cover page. veraPDF, the reference checker, is a Java program that neither Debian, PyPI
nor npm ships; the pipeline runs pdfua (a checker of that subset built on pikepdf) and its own
checks, which cover what pdfua does not, before a file goes out, and the tests read the same
report."""

from __future__ import annotations

from pathlib import Path

import pdfua
import pikepdf

# pdfua's rule for content outside the structure tree (PDF/UA-1 7.1-3): the scanned pages' images
# and OCR text are not tagged, and cannot be without a person tagging them, so that rule is
# expected to fail on them, and only on them.
UNTAGGED_CONTENT = "UA-01-003"


def problems(path: Path | str) -> list[str]:
    """What the file fails to declare; empty when every check passes."""
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        found = _catalog(root) + _title(pdf) + _outline(pdf)
        if pdf.pages and "/StructParents" not in pdf.pages[0].obj:
            found.append("The cover page's content is not tied to the structure tree.")
        tagged = {n for n, page in enumerate(pdf.pages, start=1) if "/StructParents" in page.obj}
    return found + checker_report(path, tagged_pages=tagged)


def checker_report(path: Path | str, *, tagged_pages: set[int]) -> list[str]:
    """pdfua's findings, less the scanned pages' untagged content (pages numbered from 1)."""
    report = pdfua.validate(str(path))
    return [
        f"{finding.rule_id}: {finding.message}"
        for finding in report.findings
        if not (
            finding.rule_id == UNTAGGED_CONTENT
            and finding.location.page is not None
            and finding.location.page not in tagged_pages
        )
    ]


def _catalog(root: pikepdf.Object) -> list[str]:
    found = []
    if not _flag(root, "/MarkInfo", "/Marked"):
        found.append("MarkInfo does not say the file is tagged.")
    if "/StructTreeRoot" not in root or "/ParentTree" not in root.StructTreeRoot:
        found.append("There is no structure tree.")
    if not str(root.get("/Lang", "")).strip():
        found.append("The document's language (/Lang) is not set.")
    if not _flag(root, "/ViewerPreferences", "/DisplayDocTitle"):
        found.append("Viewers are not told to show the title (DisplayDocTitle).")
    return found


def _flag(root: pikepdf.Object, dictionary: str, key: str) -> bool:
    """A true/false entry of one of the catalog's dictionaries: false where either is missing."""
    entries = root.get(dictionary)
    return entries is not None and bool(entries.get(key, False))


def _title(pdf: pikepdf.Pdf) -> list[str]:
    title = str(pdf.docinfo.get("/Title", "")).strip()
    if not title:
        return ["The document has no title."]
    with pdf.open_metadata() as meta:
        if meta.get("dc:title") != title:
            return ["The XMP title differs from the document title."]
        if "pdfuaid:part" in meta:
            return ["The file claims PDF/UA conformance, which a scan cannot have."]
    return []


def _outline(pdf: pikepdf.Pdf) -> list[str]:
    with pdf.open_outline() as outline:
        items = list(outline.root)
    if len(items) < 2:
        return ["Bookmarks for the cover page and the article are missing."]
    return []
