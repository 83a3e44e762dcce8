"""The periodic jobs: what `celery beat` queues, and how often (settings.CELERY_BEAT_SCHEDULE).

Beat runs in every deployment (docs/operations.md): one `celery beat` beside the workers in the full
stack, and the one `manage.py serve` starts in the embedded default, whose broker is
EMBEDDED_BROKER_URL. A job that fell due while beat was stopped runs when beat starts again: beat
keeps when each job last ran in its schedule file.
"""

from datetime import timedelta
from pathlib import Path

# kombu's filesystem transport: a queue of files (under settings.DATA_DIR), no server to run.
EMBEDDED_BROKER_URL = "filesystem://localhost/"


def embedded_broker_options(data_dir: Path) -> dict[str, str]:
    """The file broker's folders (settings.CELERY_BROKER_TRANSPORT_OPTIONS): the messages, which
    every process writes to and the worker reads from, and the exchanges' table."""
    queue = str(data_dir / "queue")
    return {
        "data_folder_in": queue,
        "data_folder_out": queue,
        "control_folder": str(data_dir / "control"),
    }


BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Guideline 4 records are kept three calendar years; the purge deletes only what is due.
    "purge-copyright-records": {
        "task": "copyright_rules.purge_due_records",
        "schedule": timedelta(days=1),
    },
    # Loans: mark overdue, send overdue notices and due-soon reminders; expire delivered files.
    "requests-daily-loans": {"task": "requests_app.daily_loans", "schedule": timedelta(days=1)},
    "requests-remove-expired-files": {
        "task": "requests_app.remove_expired_files",
        "schedule": timedelta(days=1),
    },
    # The office statistics: recompute the days whose requests changed (docs/desk.md).
    "requests-refresh-statistics": {
        "task": "requests_app.refresh_statistics",
        "schedule": timedelta(minutes=10),
    },
    # The ISO 18626 outbox: re-queue messages whose retry is due (the broker may have lost them).
    "iso18626-requeue-messages": {
        "task": "requests_app.iso18626_requeue",
        "schedule": timedelta(minutes=1),
    },
    # ISO 18626 log rows that belong to no request: kept as long as a record, then deleted.
    "iso18626-purge-unattached": {
        "task": "requests_app.iso18626_purge_unattached",
        "schedule": timedelta(days=1),
    },
    # The clock: flag requests answered late or past their need-before date (docs/policy.md).
    "policy-flag-requests": {"task": "policy.flag_requests", "schedule": timedelta(hours=1)},
    # Invoices: on the first days of a month, the month before is invoiced (docs/fees.md).
    "fees-issue-invoices": {"task": "fees.issue_invoices", "schedule": timedelta(days=1)},
    "fees-send-reminders": {"task": "fees.send_reminders", "schedule": timedelta(days=1)},
    # The statistics' revenue and open balances: recompute the months whose charges changed.
    "fees-refresh-revenue": {"task": "fees.refresh_revenue", "schedule": timedelta(minutes=10)},
    # The email outbox: re-queue messages the broker lost or never received.
    "requeue-outbox": {
        "task": "registration.requeue_outbox",
        "schedule": timedelta(minutes=1),
    },
    # Catalog lookups: the ones whose retry is due, and new requests the broker never ran.
    "catalog-look-up-due": {"task": "catalog.look_up_due", "schedule": timedelta(minutes=1)},
}
