"""Demonstration data for fees: a small fee schedule, so the demo's supplied requests are
charged and the portal's forms state a price. Idempotent: rows staff changed are left alone."""

from decimal import Decimal
from io import TextIOBase

from fees.models import Fee, FeeService

SCHEDULE: dict[FeeService, dict[str, Decimal | int]] = {
    FeeService.LOAN: {"base": Decimal("15.00"), "rush": Decimal("10.00")},
    FeeService.ARTICLE: {
        "base": Decimal("5.00"),
        "pages_included": 20,
        "per_page": Decimal("0.20"),
    },
    FeeService.CHAPTER: {
        "base": Decimal("8.00"),
        "pages_included": 30,
        "per_page": Decimal("0.20"),
    },
    FeeService.LOST_LOAN: {"base": Decimal("120.00")},
}


def seed_demo(stdout: TextIOBase) -> None:
    created = sum(
        Fee.objects.get_or_create(service=service, defaults=parts)[1]
        for service, parts in SCHEDULE.items()
    )
    stdout.write(f"Fee schedule: {created} demo fee(s) created.\n")
