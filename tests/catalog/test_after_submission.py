"""Every submission is looked up on a real Celery worker after it commits; an office that turns
on automatic answers has clear cases refused through the workflow, ISO 18626 reason and all."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from catalog.models import Lookup, State
from illdesk.tasks import after_submission
from requests_app.iso18626.models import IsoPartner
from requests_app.models import Action, Request, Status
from tests.catalog.conftest import use_catalog
from tests.factories import make_institution
from tests.requests_app.factories import make_loan
from tests.requests_app.iso18626.helpers import envelope, header, make_partner
from tests.requests_app.iso18626.simulator import Requester
from tests.services import CeleryWorker, ZebraCatalog, start_celery_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _worker(broker: str, tmp_path: Path, catalog: ZebraCatalog, **env: str) -> CeleryWorker:
    extra = {"CATALOG_SRU_URL": catalog.sru_url, "ISO18626_RETRY_SECONDS": "0.3", **env}
    return start_celery_worker(broker, tmp_path / "worker.log", extra)


@pytest.fixture
def answering_worker(
    broker: str, transactional_db: None, tmp_path: Path, zebra_catalog: ZebraCatalog
) -> Iterator[CeleryWorker]:
    started = _worker(broker, tmp_path, zebra_catalog, CATALOG_AUTO_ANSWER="true")
    yield started
    started.discard()


def _wait_for_lookup(request_id: int, timeout: float = 30.0) -> Lookup:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = Lookup.objects.filter(request_id=request_id).first()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"request {request_id} was not looked up")


def test_a_portal_submission_is_looked_up_after_it_commits(
    settings: Any, answering_worker: CeleryWorker, zebra_catalog: ZebraCatalog
) -> None:
    use_catalog(settings, zebra_catalog)
    item = make_loan(make_institution(), isbn="9780262033848")
    assert not Lookup.objects.filter(request=item).exists()  # not on the submission's path
    lookup = _wait_for_lookup(item.pk)
    assert lookup.state == State.FOUND
    assert lookup.candidates.get().call_number == "QA76.6 .C662 2009"
    assert Request.objects.get(pk=item.pk).status == Status.NEW  # available: staff decide


def test_submission_is_not_blocked_by_a_catalog_that_is_down(
    settings: Any, broker: str, transactional_db: None, tmp_path: Path
) -> None:
    down = ZebraCatalog(root=tmp_path, tab=tmp_path)  # configured, never started
    worker = _worker(broker, tmp_path, down)
    try:
        use_catalog(settings, down)
        item = make_loan(make_institution(), isbn="9780262033848")
        lookup = _wait_for_lookup(item.pk)
    finally:
        worker.discard()
    assert item.status == Status.NEW
    assert lookup.state == State.FAILED and lookup.retry_at is not None


@pytest.fixture
def requester(live_server: Any, answering_worker: CeleryWorker) -> Iterator[Requester]:
    simulator = Requester(app_url=live_server.url)
    simulator.start()
    yield simulator
    simulator.stop()


def _volume_request(request_id: str, *, isbn: str, volume: str) -> bytes:
    bib = (
        "<title>The Cambridge history of China</title>"
        "<bibliographicItemId><bibliographicItemIdentifier>"
        f"{isbn}</bibliographicItemIdentifier>"
        "<bibliographicItemIdentifierCode>ISBN</bibliographicItemIdentifierCode>"
        f"</bibliographicItemId><volume>{volume}</volume>"
    )
    service = "<requestType>New</requestType><serviceType>Loan</serviceType>"
    return envelope(
        f"<request><header>{header(request_id)}</header>"
        f"<bibliographicInfo>{bib}</bibliographicInfo>"
        f"<serviceInfo>{service}</serviceInfo></request>"
    )


def test_an_iso_request_for_a_volume_not_held_is_answered_not_held_automatically(
    settings: Any, requester: Requester, zebra_catalog: ZebraCatalog
) -> None:
    use_catalog(settings, zebra_catalog)
    partner: IsoPartner = make_partner(make_institution(), address=requester.address)
    assert partner.pk
    requester.send(_volume_request("vol-2", isbn="9780521214476", volume="2"))
    messages = requester.wait_for("vol-2", 2)
    assert (messages[1].status, messages[1].get("messageInfo/reasonUnfilled")) == (
        "Unfilled",
        "NotHeld",
    )
    item = Request.objects.get(iso_transaction__requesting_agency_request_id="vol-2")
    refused = item.events.get(action=Action.REFUSED)
    assert item.refusal_reason == Request.RefusalReason.NOT_OWNED
    assert refused.actor is None and "answered automatically" in refused.text


def _queued_tasks(broker: str) -> list[str]:
    """The names of the tasks waiting in the broker's default queue, oldest first."""
    waiting = redis.Redis.from_url(broker).lrange("celery", 0, -1)
    return sorted(json.loads(body)["headers"]["task"] for body in waiting)


@pytest.mark.parametrize("catalog_on", [False, True])
def test_a_submission_sends_one_task_for_every_app_whether_the_catalog_is_on_or_not(
    settings: Any, broker: str, zebra_catalog: ZebraCatalog, catalog_on: bool
) -> None:
    """The policy's rules and the catalog's lookup travel in one message (illdesk/tasks.py):
    a submission costs the web process the same broker round trips with lookups on and off."""
    use_catalog(settings, zebra_catalog)
    if not catalog_on:
        settings.CATALOG_SRU_URL = ""
    item = make_loan(make_institution(), isbn="9780262033848")

    tasks = _queued_tasks(broker)
    assert tasks.count("illdesk.after_submission") == 1
    assert not {"policy.apply_rules", "catalog.look_up"} & set(tasks)
    assert not Lookup.objects.filter(request=item).exists()  # nothing ran in this process

    after_submission(item.pk)  # what the worker does with the message
    assert Lookup.objects.filter(request=item).exists() is catalog_on
