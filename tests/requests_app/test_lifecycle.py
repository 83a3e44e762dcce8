"""One transition (requests_app/lifecycle.py): no module but `lifecycle.transition` writes a
request's status, and every status change the database sees has exactly one timeline event that
says so, from and to (CONTRIBUTING.md, "State transitions")."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution, OutboxMessage
from requests_app import scheduled
from requests_app.models import Request, RequestEvent, Status
from tests.factories import make_institution
from tests.requests_app.factories import make_copy
from tests.requests_app.iso18626.helpers import action, loan_request, make_partner, post
from tests.requests_app.test_submit import COPY_POST, LOAN_POST

ROOT = Path(__file__).resolve().parents[2]
# The product's code: every top-level package with an apps.py or settings, not the tests.
PACKAGES = sorted(
    path.parent.name
    for path in ROOT.glob("*/__init__.py")
    if path.parent.name not in {"tests", "bench", "scripts"}
)
# The one function that writes Request.status.
THE_TRANSITION = ("requests_app/lifecycle.py", "transition")
# Writes of another model's status the walk cannot tell from a request's.
OTHER_STATUS_WRITERS = {
    ("delivery/services.py", "move"),  # a Delivery's, along delivery.services.TRANSITIONS
    ("copyright_rules/recording.py", "_status_changes"),  # a copyright record's
}


def _modules() -> Iterator[Path]:
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


class _StatusWrites(ast.NodeVisitor):
    """Every place a module writes a field named status: `x.status = ...` (alone or in a tuple),
    `setattr(x, "status", ...)`, `.update(status=...)` (but `Other.objects...update(status=...)`
    of another model named in the statement), a dict of changes with a status,
    `bulk_update(..., ["status"])`, and SQL text that updates the request table."""

    def __init__(self) -> None:
        self.found: list[tuple[str, int]] = []
        self._function = "<module>"

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802 (ast's API)
        outer, self._function = self._function, node.name
        self.generic_visit(node)
        self._function = outer

    def _targets(self, target: ast.expr) -> Iterator[ast.expr]:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                yield from self._targets(element)
        else:
            yield target

    def visit_Assign(self, node: ast.Assign) -> None:  # noqa: N802
        for target in node.targets:
            for each in self._targets(target):
                if isinstance(each, ast.Attribute) and each.attr == "status":
                    self.found.append((self._function, node.lineno))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        named = {keyword.arg for keyword in node.keywords}
        strings = {
            arg.value
            for arg in ast.walk(node)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        }
        setattr_ = isinstance(node.func, ast.Name) and node.func.id == "setattr"
        writes = (
            (name == "update" and "status" in named and _model_of(node) in ("Request", None))
            or (name == "bulk_update" and "status" in strings)
            or (setattr_ and "status" in strings)
        )
        if writes:
            self.found.append((self._function, node.lineno))
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:  # noqa: N802
        """A dict of changes with a status, for an `.update(**changes)`."""
        keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
        if "status" in keys:
            self.found.append((self._function, node.lineno))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:  # noqa: N802
        text = node.value.lower() if isinstance(node.value, str) else ""
        if "update" in text and "requests_app_request" in text and "status" in text:
            self.found.append((self._function, node.lineno))


def _model_of(call: ast.Call) -> str | None:
    """The model a `Model.objects....update()` chain starts from, or None for a queryset held in
    a variable."""
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    name = node.id if isinstance(node, ast.Name) else ""
    return name if name[:1].isupper() else None


def test_no_module_but_the_transition_writes_a_requests_status() -> None:
    writers: dict[tuple[str, str], list[int]] = {}
    for path in _modules():
        visitor = _StatusWrites()
        visitor.visit(ast.parse(path.read_text(), str(path)))
        for function, line in visitor.found:
            writers.setdefault((path.relative_to(ROOT).as_posix(), function), []).append(line)

    assert THE_TRANSITION in writers  # the walk sees the one writer it allows
    assert set(writers) - {THE_TRANSITION} == OTHER_STATUS_WRITERS, writers


# --- Every status change the database sees has its timeline event ----------------------------

_LOG_TRIGGER = {
    "postgresql": [
        "CREATE TABLE status_change_log (request_id bigint, old text, new text, n serial)",
        """CREATE FUNCTION log_status_change() RETURNS trigger AS $$
           BEGIN INSERT INTO status_change_log (request_id, old, new)
                 VALUES (OLD.id, OLD.status, NEW.status); RETURN NEW; END $$
           LANGUAGE plpgsql""",
        """CREATE TRIGGER log_status_change AFTER UPDATE OF status ON requests_app_request
           FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
           EXECUTE FUNCTION log_status_change()""",
    ],
    "sqlite": [
        """CREATE TABLE status_change_log (request_id integer, old text, new text,
           n integer PRIMARY KEY AUTOINCREMENT)""",
        """CREATE TRIGGER log_status_change AFTER UPDATE OF status ON requests_app_request
           FOR EACH ROW WHEN OLD.status IS NOT NEW.status
           BEGIN INSERT INTO status_change_log (request_id, old, new)
                 VALUES (OLD.id, OLD.status, NEW.status); END""",
    ],
}


@pytest.fixture
def status_log(db: None) -> Iterator[None]:
    """Every change of a request's status, as the database itself records it (a trigger, undone
    with the test's transaction)."""
    with connection.cursor() as cursor:
        for statement in _LOG_TRIGGER[connection.vendor]:
            cursor.execute(statement)
    yield


def _logged_changes() -> list[tuple[int, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT request_id, old, new FROM status_change_log ORDER BY n")
        return [(int(row[0]), row[1], row[2]) for row in cursor.fetchall()]


def _timeline_changes() -> list[tuple[int, str, str]]:
    events = RequestEvent.objects.exclude(from_status="").order_by("pk")
    return [
        (e.request_id, e.from_status, e.to_status) for e in events if e.from_status != e.to_status
    ]


def _act(desk: Client, item: Request, name: str, **data: Any) -> None:
    item.refresh_from_db()
    response = desk.post(
        reverse("desk:act", args=[item.pk, name]), {"seen_status": item.status, **data}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_every_status_change_has_exactly_one_timeline_event(
    status_log: None, portal: Client, desk: Client, client: Client, institution: Institution
) -> None:
    # The portal: a copy and a loan submitted, the loan cancelled by the library.
    portal.post(reverse("requests:new_copy"), COPY_POST)
    portal.post(reverse("requests:new_loan"), LOAN_POST)
    copy, loan = Request.objects.order_by("pk")
    # The desk: the copy accepted and refused; the loan accepted and shipped, due yesterday.
    _act(desk, copy, "accept")
    _act(desk, copy, "refuse", refusal_reason="not_owned", reason="Not held.", confirm="on")
    _act(desk, loan, "accept")
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    _act(desk, loan, "ship", due_date=due)
    # The overdue job.
    scheduled.mark_overdue_loans(today=timezone.localdate() + timedelta(days=6))
    # ISO 18626: a partner's loan, renewed by its Renew after shipping, and a second one it
    # cancels.
    make_partner(make_institution())
    post(client, loan_request("p-1"))
    post(client, loan_request("p-2", title="The Hobbit"))
    lent = Request.objects.get(iso_transaction__requesting_agency_request_id="p-1")
    _act(desk, lent, "accept")
    _act(desk, lent, "ship", due_date=due)
    post(client, action("p-1", "Renew"))
    post(client, action("p-2", "Cancel"))

    cancelled = Request.objects.get(iso_transaction__requesting_agency_request_id="p-2")
    logged = _logged_changes()
    assert sorted(logged) == sorted(
        [
            (copy.pk, "new", "in_process"),
            (copy.pk, "in_process", "refused"),
            (loan.pk, "new", "in_process"),
            (loan.pk, "in_process", "on_loan"),
            (loan.pk, "on_loan", "overdue"),
            (lent.pk, "new", "in_process"),
            (lent.pk, "in_process", "on_loan"),
            (cancelled.pk, "new", "cancelled"),
        ]
    )
    assert _timeline_changes() == logged
    lent.refresh_from_db()
    assert lent.renewals == 1  # the Renew moved no status, and wrote no change of one


def test_a_request_held_for_copyright_tells_the_library_so(
    portal: Client, institution: Institution
) -> None:
    """The fan-out's email for a copy held on arrival is `request-held`, not "received"."""
    for n in range(5):
        make_copy(institution, article_title=f"Article {n}", issue=str(n))
    portal.post(reverse("requests:new_copy"), {**COPY_POST, "issue": "9"})
    sixth = Request.objects.order_by("-pk").first()
    assert sixth is not None and sixth.status == Status.AWAITING_CLEARANCE

    about = OutboxMessage.objects.filter(target_id=sixth.pk, email__startswith="request-")
    emails = about.values_list("email", flat=True)
    assert list(emails) == ["request-held"]
