"""axe-core accessibility checks for the pages the journeys visit.

Each journey audits every page it reaches and asserts at its end, so a violation fails the journey
that found it with a readable report (page, rule id, impact, the offending elements). The package
also writes one report of every audited page to test-artifacts/e2e/axe-report.txt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.2 AA is the bar; axe's impact ranks what a user is blocked by (serious, critical).
BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()


class AccessibilityAudit:
    def __init__(self, log: dict[str, list[dict[str, Any]]]) -> None:
        self.log = log
        self.labels: list[str] = []

    def check(self, page: Any, label: str, *, every_impact: bool = False) -> None:
        """Run axe on the page as it is now and remember its serious and critical violations
        (with `every_impact`, the minor and moderate ones too: library pages are held to that)."""
        results = _axe.run(page)
        blocking = [
            v
            for v in results.response["violations"]
            if every_impact or v.get("impact") in BLOCKING_IMPACTS
        ]
        key = f"{label} ({_path_of(page.url)})"
        self.log[key] = blocking
        self.labels.append(key)

    def assert_clean(self) -> None:
        failing = {label: self.log[label] for label in self.labels if self.log[label]}
        assert not failing, "serious or critical axe violations:\n" + _describe(failing)

    @staticmethod
    def write_report(log: dict[str, list[dict[str, Any]]], path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean = sorted(label for label, violations in log.items() if not violations)
        failing = {label: v for label, v in log.items() if v}
        lines = [f"axe-core: {len(log)} pages audited, {len(failing)} with serious/critical issues"]
        lines += ["", _describe(failing) if failing else "No serious or critical violations."]
        lines += ["", "Clean pages:", *(f"  {label}" for label in clean)]
        path.write_text("\n".join(lines) + "\n")


def _path_of(url: str) -> str:
    after_host = url.split("://", 1)[-1]
    return "/" + after_host.split("/", 1)[1] if "/" in after_host else "/"


def _describe(failing: dict[str, list[dict[str, Any]]]) -> str:
    lines: list[str] = []
    for label, violations in failing.items():
        lines.append(f"{label}:")
        for violation in violations:
            lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"      {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)
