"""The Celery application: configuration comes from Django settings (the CELERY_ prefix)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "illdesk.settings")

app = Celery("illdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="illdesk.ping")
def ping() -> str:
    """Answer 'pong' from whichever process runs it: a liveness probe for workers."""
    return f"pong from pid {os.getpid()}"
