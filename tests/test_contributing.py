"""What the documentation names exists: CONTRIBUTING.md's map of where code goes names every module
the code has (bench/layout.py counts them), every file or folder that CONTRIBUTING.md, README.md
and docs/ name is in the repository, every section they cite (docs/desk.md, "The lifecycle") is
in its page, and every dotted name CONTRIBUTING.md gives a maintainer
(`requests_app.lifecycle.transition`) is a module, or a name a module defines."""

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest

from bench import layout

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    [ROOT / "CONTRIBUTING.md", ROOT / "README.md", *(ROOT / "docs").glob("*.md")],
    key=lambda path: path.relative_to(ROOT).as_posix(),
)

# `requests_app/iso18626/outbox.py`, `templates/emails/<name>-subject.txt`, `tests/data/*.jsonl`;
# not the tail of an address (`http://host/desk/`, `/desk/scans/`, `host:port/database`).
_PATH = re.compile(r"(?<![\w/.:@-])[A-Za-z_][\w.*<>{}-]*(?:/[\w.*<>{}-]+)+/?")
_MODULE_FILE = re.compile(r"(?<![\w/.:@-])[A-Za-z_]\w*\.py\b")
_PLACEHOLDER = re.compile(r"<[^>]*>|\{[^}]*\}")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_SECTION_CITED = re.compile(r'docs/([\w-]+\.md),?\s+"([^"]+)"')
# A section is a heading, or a paragraph's bold lead (`**Staff wording.** Staff pages...`).
_SECTION = re.compile(r"^#+\s+(.+?)\s*$|^\*\*(.+?)\.?\*\*", re.MULTILINE)


def _top_level() -> set[str]:
    return {path.name for path in ROOT.iterdir() if not path.name.startswith(".")}


def _written_by_the_product() -> tuple[str, ...]:
    """The folders .gitignore keeps out of the repository (`bench/results/`, `var/`): a path in
    them is one the product writes, not one the repository holds."""
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    return tuple(line for line in lines if line.endswith("/") and not line.startswith("#"))


def _in_the_project(name: str) -> bool:
    """A bare `name.py` names a module of the project, wherever it is (`keys.py` in the copyright
    app's paragraph)."""
    return (ROOT / name).exists() or any(
        any(folder.rglob(name))
        for folder in ROOT.iterdir()
        if folder.is_dir() and not folder.name.startswith(".")
    )


def paths_named(text: str) -> set[str]:
    """The repository paths a document names: those that start at one of the repository's own
    top-level entries, and any path to a Python module (which must be whole: `forms/desk.py`
    is no path from the root)."""
    top = _top_level()
    found = set()
    for match in _PATH.finditer(text):
        path = match.group().rstrip(".-")
        if path.split("/")[0] in top or path.endswith(".py"):
            found.add(path)
    return found


def missing_paths(document: Path) -> list[str]:
    text = document.read_text(encoding="utf-8")
    generated = _written_by_the_product()
    missing = [
        path
        for path in sorted(paths_named(text))
        if not path.startswith(generated) and not list(ROOT.glob(_PLACEHOLDER.sub("*", path)))
    ]
    modules = {match.group() for match in _MODULE_FILE.finditer(text)}
    missing += [name for name in sorted(modules) if not _in_the_project(name)]
    return missing


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_path_a_document_names_exists(document: Path) -> None:
    assert missing_paths(document) == []


def sections_cited_missing(document: Path) -> list[str]:
    """The sections of docs/ pages a document cites that are not in the page: a citation names
    a heading or a bold lead whole, or the start of one."""
    missing = []
    for match in _SECTION_CITED.finditer(document.read_text(encoding="utf-8")):
        page, cited = match.group(1), " ".join(match.group(2).split())
        path = ROOT / "docs" / page
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        found = [" ".join(filter(None, section)) for section in _SECTION.findall(text)]
        if not any(section.startswith(cited) for section in found):
            missing.append(f'{page}, "{cited}"')
    return missing


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_section_a_document_cites_is_in_its_page(document: Path) -> None:
    assert sections_cited_missing(document) == []


def test_the_map_of_where_code_goes_names_every_module() -> None:
    assert layout.missing_from_map(ROOT, layout.project_modules(ROOT)) == []


def dotted_names(text: str) -> set[str]:
    """The dotted names of project code in a document's code spans: `requests_app.models.Status`,
    `registration.terms.COPYRIGHT_WARNING_*` (any name with that prefix)."""
    packages = "|".join(layout.project_packages(ROOT))
    name = re.compile(rf"(?:{packages})(?:\.\w+)+\*?")
    words = {word.strip("(),;:") for span in _CODE_SPAN.findall(text) for word in span.split()}
    return {word for word in words if name.fullmatch(word)}


def resolves(dotted: str) -> bool:
    """The longest importable prefix is a module, and the rest are names defined in turn."""
    parts = dotted.rstrip("*").split(".")
    found: object = None
    for end in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:end]))
        except ModuleNotFoundError:
            continue
        break
    assert isinstance(found, ModuleType), dotted
    rest = parts[end:]
    for index, attribute in enumerate(rest):
        if dotted.endswith("*") and index == len(rest) - 1:
            return any(defined.startswith(attribute) for defined in dir(found))
        if not hasattr(found, attribute):
            return False
        found = getattr(found, attribute)
    return True


def test_every_dotted_name_contributing_gives_is_defined() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    names = dotted_names(text)
    assert "requests_app.lifecycle.transition" in names
    assert [name for name in sorted(names) if not resolves(name)] == []


def test_the_checks_find_what_is_not_there(tmp_path: Path) -> None:
    """A module's path cut short, a moved module, a folder gone, a section renamed, a page gone,
    a function or a module that is not there; while an address, a placeholder and a file the
    product writes are no paths of the repository."""
    text = (
        "`forms/desk.py` and registration/outbox.py, as `requests_app/missing/`, and "
        "`templates/emails/<name>-subject.txt` with `https://example.org/desk/x.py` and "
        "`bench/results/latest.json`."
    )
    document = tmp_path / "doc.md"
    document.write_text(text)
    assert missing_paths(document) == [
        "forms/desk.py",
        "registration/outbox.py",
        "requests_app/missing/",
    ]
    document.write_text(
        'docs/desk.md, "The lifecycle", docs/desk.md "Staff wording", docs/desk.md, "Queues '
        'of old", docs/gone.md, "Anything"'
    )
    assert sections_cited_missing(document) == ['desk.md, "Queues of old"', 'gone.md, "Anything"']
    assert not resolves("requests_app.services.no_such_service")
    assert not resolves("registration.outbox.queue_email")
