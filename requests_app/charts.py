"""The bar geometry of the statistics page's charts, drawn on the server as SVG
(templates/requests_app/desk/_chart.html), each with a data table of the same figures beside it
(docs/desk.md, "Statistics")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int  # the bar's top edge and its length, in the chart's units
    length: int


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: one bar per row, the longest WIDTH units long."""

    title: str
    bars: list[Bar]
    unit: str = ""

    WIDTH = 400
    VALUE_ROOM = 60  # right of the longest bar, for its figure
    # A row: the whole label on a line of its own, then the bar (labels are never cut short).
    ROW = 40

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.ROW


def chart(title: str, rows: Sequence[tuple[str, float]], *, unit: str = "") -> Chart:
    top = max((value for _, value in rows), default=0) or 1
    bars = [
        Bar(label, value, i * Chart.ROW, round(Chart.WIDTH * value / top))
        for i, (label, value) in enumerate(rows)
    ]
    return Chart(title, bars, unit)
