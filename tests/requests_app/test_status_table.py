"""The status table (requests_app/models/status.py) is the one place statuses are grouped and
mapped: every subset the desk, the portal, the statistics and ISO 18626 use derives from it, no
module lists statuses by hand, and no template compares a status by name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from copyright_rules.facts import Outcome
from copyright_rules.models import Record
from requests_app import actions, lifecycle, queues, stats, wording
from requests_app.iso18626 import statuses as iso
from requests_app.models import (
    FINISHED,
    LOAN_OUT,
    OPEN,
    STATUS_ROWS,
    SUPPLIED,
    Request,
    Service,
    Status,
    statuses,
)

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "bench",
    "catalog",
    "copyright_rules",
    "delivery",
    "fees",
    "illdesk",
    "policy",
    "registration",
    "requests_app",
)
TABLE = ROOT / "requests_app" / "models" / "status.py"
# Mappings keyed by status that say nothing about the status itself: the email a copyright
# decision or an arrival sends belongs to the event that moved the request, as every email does.
NOT_STATUS_FACTS = {
    ("requests_app/lifecycle.py", "_EMAIL_AFTER_DECISION"),
    ("requests_app/submission.py", "_EMAIL_ON_ARRIVAL"),
}


def _sources() -> list[Path]:
    found = [path for app in APPS for path in (ROOT / app).rglob("*.py")]
    return [path for path in found if "migrations" not in path.parts and path != TABLE]


def _status_names(tree: ast.Module) -> set[str]:
    """The names a module binds to the request workflow's Status (other apps have their own)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "requests_app.models"
        for alias in node.names
        if alias.name == "Status"
    }


def _is_status(node: ast.expr | None, names: set[str]) -> bool:
    """`Status.NEW`, or `Request.Status.NEW`."""
    if not isinstance(node, ast.Attribute) or node.attr not in Status.names:
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id in names
    return isinstance(owner, ast.Attribute) and owner.attr == "Status"


def _assigned_to(tree: ast.Module) -> dict[int, str]:
    """Line -> the name assigned on it, to say which mapping a finding is."""
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[node.lineno] = target.id
    return found


def _hand_listed(path: Path, root: Path = ROOT) -> list[str]:
    """Collections of two or more statuses, mappings keyed by two or more, and status__in
    lookups on string literals: each is a subset of statuses written out by hand."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names, relative = _status_names(tree), path.relative_to(root).as_posix()
    assigned = _assigned_to(tree)
    found = []
    for node in ast.walk(tree):
        members: list[ast.expr | None] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            members = list(node.elts)
        elif isinstance(node, ast.Dict):
            members = list(node.keys)
        elif isinstance(node, ast.keyword) and (node.arg or "").endswith("status__in"):
            if isinstance(node.value, ast.List | ast.Tuple) and all(
                isinstance(item, ast.Constant) and item.value in Status.values
                for item in node.value.elts
            ):
                found.append(f"{relative}:{node.value.lineno}")
            continue
        if sum(_is_status(member, names) for member in members) < 2:
            continue
        line = getattr(node, "lineno", 0)
        if (relative, assigned.get(line, "")) not in NOT_STATUS_FACTS:
            found.append(f"{relative}:{line}")
    return found


def test_no_module_lists_statuses_by_hand() -> None:
    found = [where for path in _sources() for where in _hand_listed(path)]
    assert found == []


def test_the_check_finds_a_subset_written_out_by_hand(tmp_path: Path) -> None:
    written = tmp_path / "probe.py"
    written.write_text(
        "from requests_app.models import Status\n\n"
        "WAITING = (Status.CONDITIONAL, Status.QUOTED)\n"
        "LABELS = {Status.NEW: 'n', Status.QUOTED: 'q'}\n"
        "OUT = Q(status__in=['on_loan', 'overdue'])\n"
        "ONE = (Status.NEW,)\n"
    )
    assert sorted(_hand_listed(written, tmp_path)) == ["probe.py:3", "probe.py:4", "probe.py:5"]


_COMPARED = re.compile(r"""status\s*(?:==|!=|\bin\b|\bnot in\b)\s*["']([a-z_ ]+)["']""")


def test_no_template_compares_a_request_status_by_name() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in _COMPARED.finditer(path.read_text())
        if set(match.group(1).split()) & set(Status.values)
    ]
    assert found == []


def test_every_status_has_one_row() -> None:
    assert list(STATUS_ROWS) == list(Status)
    assert all(row.status is status for status, row in STATUS_ROWS.items())


def test_every_status_shows_in_one_queue_of_the_desk() -> None:
    for status, row in STATUS_ROWS.items():
        holding = [slug for slug, queue in queues.QUEUES.items() if status in queue.statuses]
        assert row.queue in holding, status
        assert set(holding) - {row.queue} <= {"renewals"}, status


def test_a_queue_holds_the_request_types_of_its_statuses() -> None:
    for slug, queue in queues.QUEUES.items():
        kinds = {kind for status in queue.statuses for kind in STATUS_ROWS[status].services}
        assert set(queue.kinds) == kinds, slug
    assert queues.QUEUES["finished"].statuses == FINISHED


def test_the_columns_agree_with_one_another() -> None:
    for status, row in STATUS_ROWS.items():
        assert not (row.open and row.finished), status
        assert row.open or row.finished or row.supplied, status
        assert not row.loan_out or (row.open and row.supplied and row.services == (Service.LOAN,))
        assert not row.overdue or row.loan_out, status
        assert not row.library_may_cancel or (row.open and not row.supplied), status
        assert not row.suppliable or (row.open and not row.supplied), status
        assert not row.to_review or row.suppliable, status
        # A finished request's record is final, so the purge can remove it.
        assert not row.finished or row.record in Record.FINAL_STATUSES, status


def test_every_copyright_outcome_but_an_incomplete_one_leads_to_one_status() -> None:
    leads = [outcome for row in STATUS_ROWS.values() for outcome in row.outcomes]
    assert sorted(leads) == sorted(set(Outcome) - {Outcome.REJECT_INCOMPLETE})
    assert lifecycle.STATUS_FOR_OUTCOME[Outcome.NEEDS_PERMISSION] == Status.AWAITING_CLEARANCE
    assert set(lifecycle._RECORD_STATUS) == set(Status)


def test_every_subset_in_use_is_read_from_the_table() -> None:
    assert Request.OPEN_STATUSES == OPEN == statuses(lambda row: row.open)
    assert Request.LOAN_OUT_STATUSES == LOAN_OUT
    assert Request.FINISHED_STATUSES == FINISHED
    assert statuses(lambda row: row.library_may_cancel) == Request.CANCELLABLE_BY_INSTITUTION
    assert stats.SUPPLIED is SUPPLIED is iso.SUPPLIED
    assert stats.ENDED_UNSUPPLIED is iso.ENDED_UNSUPPLIED
    assert {status: row.partner for status, row in STATUS_ROWS.items()} == iso.STATUS_TABLE
    assert actions.ACTIONS["recall"].sources == (Status.ON_LOAN,)
    assert actions.ACTIONS["holding"].sources == OPEN


@pytest.mark.parametrize("status", list(Status))
def test_staff_read_every_status_in_their_own_words(status: Status) -> None:
    row = STATUS_ROWS[status]
    assert wording.staff_status(status) == (row.staff_label or status.label)
    assert not {"you", "your"} & set(re.findall(r"[a-z]+", wording.staff_status(status).lower()))
