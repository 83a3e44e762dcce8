"""The email outbox's tasks, defined beside it (illdesk/outbox.py), named here for the worker's
task discovery."""

from illdesk.outbox import deliver_email, requeue_outbox

__all__ = ["deliver_email", "requeue_outbox"]
