"""Which requests a copy may fill. The desk's Fill row (requests_app/actions.py) is built from
these, and electronic delivery (delivery/services.py) matches a scan only to a request they
allow: one rule for both, without delivery importing the desk's action table, which names
delivery's fill service."""

from __future__ import annotations

from requests_app.models import Request, Service, Status, statuses

# The statuses a copy is filled from: a column of the status table (requests_app/models/status.py).
SOURCES: tuple[Status, ...] = statuses(lambda row: row.suppliable)
KINDS: tuple[Service, ...] = (Service.COPY,)


def work_may_start(item: Request) -> bool:
    """A reproduction order is made only after the library approved its price quote."""
    return not item.is_duplication or item.quote_approved_at is not None


def may_fill(item: Request) -> bool:
    return item.status in SOURCES and item.service in KINDS and work_may_start(item)
