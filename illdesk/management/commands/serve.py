"""Serve illdesk with its worker and its scheduler: the web server, `celery worker` and
`celery beat` as three processes under one supervisor (`make run`; docs/operations.md, "The
embedded default").

With no CELERY_BROKER_URL set, the three share the embedded broker (illdesk/schedule.py): a queue
of files in DATA_DIR, so the embedded default needs no Redis; with one set (the full stack's Redis)
they use it. Beat keeps its schedule file in DATA_DIR either way. Ctrl-C (or SIGTERM) stops all
three; when one of them stops, the others are stopped too, each with its process group, so nothing
is left running.
"""

import os
import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from honcho import manager as supervisor

from illdesk.schedule import EMBEDDED_BROKER_URL, embedded_broker_options

# The worker runs one task at a time in its main process: OCRmyPDF (docs/delivery.md) wants the
# main thread, and a stop (SIGTERM to the worker's process group) finishes the task under way
# instead of killing pool children in the middle of one.
WORKER_OPTIONS = ["--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
# Seconds the three have to stop after SIGTERM before they are killed: time for the worker to
# finish the task under way (honcho's own five are too few for an OCR run).
STOP_GRACE = 30


def schedule_file(data_dir: Path) -> Path:
    """Where beat records when each periodic job last ran."""
    return data_dir / "celerybeat-schedule"


def commands(*, address: str, data_dir: Path) -> dict[str, list[str]]:
    """The three processes, by the name their output is prefixed with."""
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "illdesk"]
    return {
        "web": [python, "manage.py", "runserver", "--noreload", address],
        "worker": [*celery, "worker", *WORKER_OPTIONS, "--loglevel=INFO"],
        "beat": [*celery, "beat", f"--schedule={schedule_file(data_dir)}", "--loglevel=INFO"],
    }


def environment(*, data_dir: Path) -> dict[str, str]:
    """The three processes' environment: this one, with the embedded broker when none is set."""
    env = dict(os.environ)
    env["ILLDESK_DATA_DIR"] = str(data_dir)
    env["CELERY_BROKER_URL"] = env.get("CELERY_BROKER_URL") or EMBEDDED_BROKER_URL
    env["PYTHONUNBUFFERED"] = "1"  # each line shows as it is written
    return env


def prepare(data_dir: Path) -> None:
    """The embedded broker's folders, which kombu's filesystem transport does not make."""
    for folder in set(embedded_broker_options(data_dir).values()):
        Path(folder).mkdir(parents=True, exist_ok=True)


class Command(BaseCommand):
    help = (
        "Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three. "
        "Without CELERY_BROKER_URL they share a queue of files in ILLDESK_DATA_DIR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "address", nargs="?", default="127.0.0.1:8000", help="host:port the web server binds"
        )

    def handle(self, *args: object, address: str, **options: object) -> None:
        data_dir = Path(settings.DATA_DIR)
        prepare(data_dir)
        env = environment(data_dir=data_dir)
        supervisor.KILL_WAIT = STOP_GRACE
        manager = supervisor.Manager()
        for name, command in commands(address=address, data_dir=data_dir).items():
            manager.add_process(name, _shell(command), env=env, cwd=str(settings.BASE_DIR))
        manager.loop()
        sys.exit(manager.returncode)


def _shell(command: list[str]) -> str:
    """honcho runs each process through the shell, as a Procfile line: `exec` leaves the process
    itself (not a shell) at the head of its group."""
    return "exec " + shlex.join(command)
