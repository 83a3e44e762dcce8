"""The embedded default runs its tasks on a real worker and its scheduled jobs on beat, without
Redis: `manage.py serve` (what `make run` starts) on SQLite, the broker a queue of files
(docs/operations.md, "The embedded default"). Nothing here runs in the test's own process: the
scene is arranged in the embedded database, then the three processes do the work."""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from delivery.models import Delivery
from registration.models import OutboxMessage
from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request, Status
from tests.delivery import scans
from tests.embedded import Serve, age_schedule, running, using, wait_until
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_copy, make_loan
from tests.requests_app.iso18626.helpers import loan_request, make_partner
from tests.requests_app.iso18626.simulator import Requester
from tests.services import SmtpServer, start_smtp_server

pytestmark = pytest.mark.services

STAFF_PASSWORD = "a-long-desk-password-for-the-embedded-test"  # noqa: S105 (a test's own)
WEEKEND = timedelta(days=2)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp_server()
    yield server
    server.stop()


def new_office(migrated_sqlite: Path, root: Path, smtp: SmtpServer) -> Serve:
    """The embedded default on a database of its own (a copy of the migrated one), its email
    going to the test's SMTP server; started once its scene is arranged."""
    root.mkdir()
    database = root / "illdesk.sqlite3"
    shutil.copyfile(migrated_sqlite, database)
    return Serve(root=root, database=database, env={"EMAIL_URL": smtp.url})


def stopped_for_a_weekend(serve: Serve) -> None:
    """Beat's schedule as a previous run left it, two days ago: each daily job is due at start."""
    serve.data_dir.mkdir(parents=True, exist_ok=True)
    age_schedule(serve.schedule, by=WEEKEND)


@dataclass
class Scene:
    office: Serve
    loan_id: int
    copy_id: int


@pytest.fixture(scope="module")
def running_office(
    migrated_sqlite: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp: SmtpServer,
    django_db_blocker: Any,
) -> Iterator[Scene]:
    """An office back after a weekend, with a loan that fell due meanwhile, a copy request to
    fill and a member of staff; `manage.py serve` running."""
    office = new_office(migrated_sqlite, tmp_path_factory.mktemp("embedded") / "office", smtp)
    with django_db_blocker.unblock():
        with using(office.database):
            loan = make_loan(make_institution())
            Request.objects.filter(pk=loan.pk).update(
                status=Status.ON_LOAN, due_date=timezone.localdate() - timedelta(days=3)
            )
            item = make_copy(make_institution())
            staff = make_staff(username="desk")
            staff.set_password(STAFF_PASSWORD)
            staff.save()
        stopped_for_a_weekend(office)
        office.start()
        try:
            yield Scene(office=office, loan_id=loan.pk, copy_id=item.pk)
            pids = office.pids()
            assert office.interrupt() == 130  # Ctrl-C's status, once all three have stopped
            assert not any(running(pid) for pid in pids.values())
        finally:
            office.remove()


def test_a_loan_past_due_is_marked_overdue_by_the_scheduled_job(running_office: Scene) -> None:
    office = running_office.office
    office.wait_for("requests_app.daily_loans", of="beat")

    def marked() -> bool:
        """the loan is overdue"""
        with using(office.database):
            return Request.objects.get(pk=running_office.loan_id).status == Status.OVERDUE

    wait_until(marked)
    worker = office.wait_for("Task requests_app.daily_loans", of="worker")
    assert re.search(r"Task requests_app\.daily_loans\[[\w-]+\] succeeded", worker)


def test_an_upload_is_answered_at_once_and_made_into_the_copy_by_the_worker(
    running_office: Scene,
) -> None:
    office = running_office.office
    desk = requests.Session()
    login = f"{office.url}{reverse('login')}"
    desk.get(login, timeout=30)
    answer = desk.post(
        login,
        data={
            "username": "desk",
            "password": STAFF_PASSWORD,
            "csrfmiddlewaretoken": desk.cookies["csrftoken"],
        },
        headers={"Referer": login},
        timeout=30,
    )
    assert answer.ok and "sessionid" in desk.cookies
    act = f"{office.url}{reverse('desk:act', args=[running_office.copy_id, 'fill'])}"
    scan = scans.image_pdf(scans.page(["interlibrary", "photocopy", "periodical"]))
    answer = desk.post(
        act,
        data={
            "seen_status": Status.NEW,
            "delivery_method": "electronic",
            "csrfmiddlewaretoken": desk.cookies["csrftoken"],
        },
        files={"scans": ("scan.pdf", scan, "application/pdf")},
        headers={"Referer": act},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302, answer.text[:2000]

    def delivered() -> bool:
        """the copy is delivered"""
        with using(office.database):
            return not Delivery.objects.get(request_id=running_office.copy_id).is_open

    wait_until(delivered, timeout=300)
    with using(office.database):
        item = Request.objects.get(pk=running_office.copy_id)
        assert item.status == Status.DELIVERED
        assert Delivery.objects.get(request=item).status == Delivery.Status.DELIVERED
        delivered_file = office.root / "media" / str(item.delivered_file.name)
    assert "photocopy" in scans.text_of(delivered_file.read_bytes())  # OCR gave it its text
    # Made by the worker; the web process that took the upload ran no part of it.
    task = r"Task delivery\.prepare\[[\w-]+\] succeeded"
    assert re.search(task, office.lines_of("worker"))
    assert not re.search(task, office.lines_of("web"))


def test_failed_messages_are_retried_by_the_requeue_job_once_the_partner_and_smtp_are_back(
    migrated_sqlite: Path, tmp_path: Path, django_db_blocker: Any
) -> None:
    smtp = start_smtp_server()
    smtp.inbox.refuse = True
    office = new_office(migrated_sqlite, tmp_path / "office", smtp)
    office.env["ISO18626_RETRY_SECONDS"] = "1"
    partner = Requester(app_url=office.url, down=True)
    partner.start()
    try:
        with django_db_blocker.unblock():
            retried_after_the_worker_died(office, partner, smtp)
    finally:
        partner.stop()
        smtp.stop()
        office.remove()


def retried_after_the_worker_died(office: Serve, partner: Requester, smtp: SmtpServer) -> None:
    with using(office.database):
        make_partner(make_institution(), address=partner.address)
    office.start()

    # A partner's request: our confirmation goes back at once; our status message and the
    # library's email fail (the partner answers 503, the SMTP server 451).
    partner.send(loan_request("embedded-1"))

    def both_failed() -> bool:
        """the ISO message and the email have each failed once"""
        with using(office.database):
            iso = IsoMessage.objects.filter(direction="out", attempts__gte=1).exists()
            mail = OutboxMessage.objects.filter(attempts__gte=1, last_error__gt="").exists()
            return iso and mail

    wait_until(both_failed)
    assert partner.refused >= 1 and not partner.received and not smtp.messages

    # The worker dies (a power cut): the retries it held in memory die with it, and the
    # supervisor stops the web server and beat too, leaving nothing running.
    pids = office.pids()
    os.kill(pids["worker"], signal.SIGKILL)
    office.wait()
    assert not any(running(pid) for pid in pids.values())

    # Started again later, the partner and the SMTP server up again: only beat's requeue jobs
    # know that the two messages are still to be sent.
    partner.down = False
    smtp.inbox.refuse = False
    stopped_for_a_weekend(office)
    office.start()

    def all_sent() -> bool:
        """every ISO message and email is sent"""
        with using(office.database):
            outgoing = IsoMessage.objects.filter(direction="out")
            return {m.delivery for m in outgoing} == {IsoMessage.Delivery.SENT} and {
                m.status for m in OutboxMessage.objects.all()
            } == {OutboxMessage.Status.SENT}

    wait_until(all_sent, timeout=300)
    assert partner.wait_for("embedded-1", 1) and smtp.messages
    beat = office.lines_of("beat")
    assert "iso18626-requeue-messages" in beat and "requeue-outbox" in beat
    pids = office.pids()
    assert office.interrupt() == 130  # Ctrl-C's status, once all three have stopped
    assert not any(running(pid) for pid in pids.values())
