"""One smoke test per real service: each proves the service is real, not a stand-in."""

import os

import pytest
from django.core.mail import send_mail
from django.db import connection

from illdesk.celery import ping
from tests.services import CeleryWorker, SmtpServer, task_result


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_database_is_a_real_postgresql_server() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('server_version_num')::int")
        pid, version = cursor.fetchone()
    assert connection.vendor == "postgresql"
    assert pid > 0
    assert version >= 130000


@pytest.mark.services
def test_celery_task_runs_in_a_separate_worker_process(celery_worker: CeleryWorker) -> None:
    answer = task_result(ping.apply_async(ignore_result=False), timeout=30)

    assert answer.startswith("pong from pid ")
    assert int(answer.rsplit(" ", 1)[1]) == celery_worker.process.pid != os.getpid()


@pytest.mark.services
def test_mail_is_delivered_to_a_real_smtp_server(smtp_server: SmtpServer) -> None:
    send_mail("Smoke", "Body text", "ill@example.org", ["library@example.org"])

    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Smoke"
    assert message["To"] == "library@example.org"
    assert message.get_content().strip() == "Body text"
