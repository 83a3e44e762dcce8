"""Demonstration data for copyright_rules: a small title authority (journals with their print
and online ISSNs and variant titles, and one book in two editions). Idempotent. It changes the
authority like any staff change: the records citing an identifier it adds (again, after staff
deleted its group) follow the authority at once (docs/copyright.md section 1)."""

from io import TextIOBase

from copyright_rules.authority import changing
from copyright_rules.keys import (
    Identifier,
    IdentifierKind,
    normalize_isbn,
    normalize_issn,
    normalize_title,
)
from copyright_rules.models import TitleGroup, TitleIdentifier

Kind = TitleIdentifier.Kind
JOURNALS = [
    ("Nature", ["0028-0836", "1476-4687"], ["Nature", "Nature (London)"]),
    ("The Lancet", ["0140-6736", "1474-547X"], ["The Lancet", "Lancet (London, England)"]),
    ("Science", ["0036-8075", "1095-9203"], ["Science", "Science (New York, N.Y.)"]),
    (
        "The New England Journal of Medicine",
        ["0028-4793", "1533-4406"],
        ["The New England Journal of Medicine", "N Engl J Med"],
    ),
    ("JAMA", ["0098-7484", "1538-3598"], ["JAMA", "Journal of the American Medical Association"]),
]
WORKS = [("Introduction to Algorithms (2nd and 3rd editions)", ["9780262033848", "9780262533058"])]


def seed_demo(stdout: TextIOBase) -> None:
    with changing() as change:
        added: list[Identifier] = []
        created = sum(_journal(*journal, added) for journal in JOURNALS)
        created += sum(_work(*work, added) for work in WORKS)
        change.touch(added)
    stdout.write(f"Title authority: {created} demo group(s) created.\n")


def _journal(name: str, issns: list[str], titles: list[str], added: list[Identifier]) -> bool:
    group, created = TitleGroup.objects.get_or_create(name=name, kind=TitleGroup.Kind.PERIODICAL)
    for issn in issns:
        _identifier(group, Kind.ISSN, normalize_issn(issn), added)
    for title in titles:
        _identifier(group, Kind.TITLE, normalize_title(title), added)
    return created


def _work(name: str, isbns: list[str], added: list[Identifier]) -> bool:
    group, created = TitleGroup.objects.get_or_create(name=name, kind=TitleGroup.Kind.WORK)
    for isbn in isbns:
        _identifier(group, Kind.ISBN, normalize_isbn(isbn), added)
    return created


def _identifier(group: TitleGroup, kind: str, value: str | None, added: list[Identifier]) -> None:
    """The identifier in the group, unless it is in the authority already; `added` collects the
    ones created, whose records must be re-keyed."""
    if not value:
        raise ValueError(f"demo identifier for {group} is invalid")
    _, created = TitleIdentifier.objects.get_or_create(
        kind=kind, value=value, defaults={"group": group}
    )
    if created:
        added.append((IdentifierKind(kind), value))
