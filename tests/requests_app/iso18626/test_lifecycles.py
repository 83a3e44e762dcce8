"""Full lifecycles against the live application with a real Celery worker and Redis: the
requester simulator sends its messages over HTTP, staff act through the request services, and
every status comes back to the simulator in order, valid against v1.2 (docs/iso18626.md)."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from requests_app import services
from requests_app.iso18626.models import IsoMessage, IsoPartner
from requests_app.models import Request, Status
from tests.factories import make_institution, make_staff
from tests.requests_app.iso18626.helpers import (
    SAMPLES,
    action,
    assert_valid,
    copy_request,
    find,
    loan_request,
    make_partner,
)
from tests.requests_app.iso18626.simulator import Requester
from tests.services import CeleryWorker, start_celery_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(broker: str, transactional_db: None, tmp_path: Path) -> Iterator[CeleryWorker]:
    started = start_celery_worker(
        broker, tmp_path / "worker.log", {"ISO18626_RETRY_SECONDS": "0.3"}
    )
    yield started
    started.discard()


@pytest.fixture
def requester(live_server: Any, worker: CeleryWorker) -> Iterator[Requester]:
    simulator = Requester(app_url=live_server.url)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def partner(requester: Requester) -> IsoPartner:
    return make_partner(make_institution(), address=requester.address)


@pytest.fixture
def staff() -> Any:
    return make_staff()


def _request(request_id: str) -> Request:
    return Request.objects.get(iso_transaction__requesting_agency_request_id=request_id)


def _steps(messages: list[Any]) -> list[tuple[str, str]]:
    return [(m.reason, m.status) for m in messages]


def test_a_loan_from_request_to_loan_completed_with_a_renewal(
    requester: Requester, partner: IsoPartner, staff: Any
) -> None:
    confirmation = requester.send(loan_request("loan-1"))
    assert find(confirmation, "confirmationHeader/messageStatus") == "OK"
    requester.wait_for("loan-1", 1)
    loan = _request("loan-1")
    services.accept_request(loan, seen=loan.status, acting_user=staff)
    due = timezone.localdate() + timedelta(days=28)
    services.ship_loan(loan, seen=Status.IN_PROCESS, due_date=due, acting_user=staff)
    requester.wait_for("loan-1", 3)

    requester.send(action("loan-1", "Renew"))
    renewed = requester.wait_for("loan-1", 4)[3]
    requester.send(action("loan-1", "ShippedReturn"))
    loan.refresh_from_db()
    services.record_return(loan, seen=loan.status, acting_user=staff)
    messages = requester.wait_for("loan-1", 5)

    assert _steps(messages) == [
        ("RequestResponse", "ExpectToSupply"),
        ("StatusChange", "WillSupply"),
        ("StatusChange", "Loaned"),
        ("RenewResponse", "Loaned"),
        ("StatusChange", "LoanCompleted"),
    ]
    assert messages[2].get("statusInfo/dueDate").startswith(due.isoformat())
    assert renewed.get("messageInfo/answerYesNo") == "Y"
    renewed_due = loan.due_date
    assert renewed_due is not None and renewed_due > due and loan.status == Status.RETURNED
    assert renewed.get("statusInfo/dueDate").startswith(renewed_due.isoformat())
    assert loan.events.filter(action="library_message", text__contains="shipped").exists()


def test_the_sixth_copy_from_one_journal_is_held_then_refused_or_cleared(
    requester: Requester, partner: IsoPartner, staff: Any
) -> None:
    for n in range(1, 8):
        requester.send(copy_request(f"copy-{n}", article=f"Article {n}", patron=f"p{n}"))
    first = requester.wait_for("copy-1", 1)[0]
    sixth = requester.wait_for("copy-6", 1)[0]
    held = _request("copy-6")
    assert (first.status, _request("copy-1").status) == ("ExpectToSupply", Status.NEW)
    assert held.status == Status.AWAITING_CLEARANCE and _request("copy-5").status == Status.NEW
    assert "copyright" in sixth.get("messageInfo/note").lower()

    services.refuse_request(
        held, seen=held.status, refusal_reason="copyright", reason="", acting_user=staff
    )
    seventh = _request("copy-7")
    services.record_permission(
        seventh, seen=seventh.status, reference="CCC-123", fee=None, acting_user=staff
    )

    refused = requester.wait_for("copy-6", 2)[1]
    cleared = requester.wait_for("copy-7", 2)[1]
    assert (refused.reason, refused.status) == ("StatusChange", "Unfilled")
    assert refused.get("messageInfo/reasonUnfilled") == "PolicyProblem"
    assert (cleared.status, _request("copy-7").status) == ("ExpectToSupply", Status.NEW)


def test_a_delivered_copy_sends_copy_completed_with_its_expiring_link(
    requester: Requester, partner: IsoPartner, staff: Any, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    requester.send(copy_request("pdf-1", article="With a PDF"))
    item = _request("pdf-1")
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    services.fill_copy(
        item, seen=item.status, delivery_method="electronic", pdf=pdf, acting_user=staff
    )

    completed = requester.wait_for("pdf-1", 2)[1]
    link = completed.get("deliveryInfo/itemId")
    assert completed.status == "CopyCompleted" and link.startswith(live_server.url)
    with urllib.request.urlopen(link, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.read().startswith(b"%PDF")
        # Nobody is logged in to follow it: the link itself must keep caches off the copy.
        assert {"no-store", "private"} <= set(response.headers["Cache-Control"].split(", "))


def test_a_cancel_before_shipping_is_granted_and_after_shipping_refused(
    requester: Requester, partner: IsoPartner, staff: Any
) -> None:
    requester.send(loan_request("early"))
    requester.send(loan_request("late", title="The Hobbit"))
    late = _request("late")
    services.ship_loan(
        late,
        seen=late.status,
        due_date=timezone.localdate() + timedelta(days=20),
        acting_user=staff,
    )

    requester.send(action("early", "Cancel"))
    requester.send(action("late", "Cancel"))

    early_answer = requester.wait_for("early", 2)[1]
    late_answer = requester.wait_for("late", 3)[2]
    assert (early_answer.reason, early_answer.status) == ("CancelResponse", "Cancelled")
    assert early_answer.get("messageInfo/answerYesNo") == "Y"
    assert (late_answer.reason, late_answer.status) == ("CancelResponse", "Loaned")
    assert late_answer.get("messageInfo/answerYesNo") == "N"
    assert _request("early").status == Status.CANCELLED
    assert _request("late").status == Status.ON_LOAN


def test_messages_wait_while_the_peer_is_down_then_arrive_in_order(
    requester: Requester, partner: IsoPartner, staff: Any
) -> None:
    requester.down = True
    requester.send(loan_request("outage"))
    loan = _request("outage")
    services.accept_request(loan, seen=loan.status, acting_user=staff)
    services.ship_loan(
        loan,
        seen=Status.IN_PROCESS,
        due_date=timezone.localdate() + timedelta(days=9),
        acting_user=staff,
    )
    _wait(lambda: requester.refused >= 3)
    assert requester.messages_for("outage") == []

    requester.down = False
    messages = requester.wait_for("outage", 3)

    assert _steps(messages) == [
        ("RequestResponse", "ExpectToSupply"),
        ("StatusChange", "WillSupply"),
        ("StatusChange", "Loaned"),
    ]
    sent = IsoMessage.objects.filter(request=loan, direction="out").order_by("pk")
    _wait(lambda: all(m.delivery == "sent" for m in sent.all()))
    assert sent.first().attempts >= 3  # type: ignore[union-attr]


def test_a_duplicate_request_gets_the_same_confirmation_and_one_request(
    requester: Requester, partner: IsoPartner
) -> None:
    first = requester.send(loan_request("dup-1"))
    again = requester.send(loan_request("dup-1"))
    other = requester.send(loan_request("dup-1", title="Something else"))

    assert again == first
    assert find(other, "errorData/errorType") == "UnrecognisedDataValue"
    assert Request.objects.filter(iso_transaction__isnull=False).count() == 1
    assert len(requester.wait_for("dup-1", 1)) == 1


def _wait(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_a_message_the_peer_refuses_is_not_retried_and_the_next_still_goes(
    requester: Requester, partner: IsoPartner, staff: Any
) -> None:
    requester.reject = True
    requester.send(loan_request("refused-1"))
    requester.wait_for("refused-1", 1)
    loan = _request("refused-1")
    first = IsoMessage.objects.filter(request=loan, direction="out").get()
    _wait(lambda: IsoMessage.objects.get(pk=first.pk).delivery == "rejected")

    requester.reject = False
    services.accept_request(loan, seen=loan.status, acting_user=staff)
    messages = requester.wait_for("refused-1", 2)

    first.refresh_from_db()
    assert (first.attempts, first.message_status) == (1, "ERROR")
    assert "simulated refusal" in first.error
    assert _steps(messages) == [
        ("RequestResponse", "ExpectToSupply"),
        ("StatusChange", "WillSupply"),
    ]


def test_every_shared_sample_sent_over_http_gets_an_answer_and_no_server_error(
    requester: Requester, partner: IsoPartner
) -> None:
    answers = {path.name: requester.post_raw(path.read_bytes()) for path in SAMPLES}

    assert {status for status, _ in answers.values()} <= {200, 400}
    for status, body in answers.values():
        if status == 200:
            assert_valid(body)
    assert sum(1 for status, _ in answers.values() if status == 200) >= 15


@pytest.mark.parametrize(
    ("quirks", "answer", "ends"),
    [
        (IsoPartner.Quirks.RESHARE, "#seq:3##ReShareLoanConditionAgreeResponse#", "WillSupply"),
        (IsoPartner.Quirks.ALMA, "REJECT", "Cancelled"),
    ],
)
def test_a_peer_answers_a_conditional_offer_with_its_own_marker(
    requester: Requester, partner: IsoPartner, staff: Any, quirks: str, answer: str, ends: str
) -> None:
    IsoPartner.objects.filter(pk=partner.pk).update(quirks=quirks)
    requester.conditions_answer = answer
    requester.send(loan_request("cond-1"))
    requester.wait_for("cond-1", 1)
    loan = _request("cond-1")

    services.reply_conditionally(
        loan, seen=loan.status, conditions="Library use only", acting_user=staff
    )

    messages = requester.wait_for("cond-1", 4 if quirks == IsoPartner.Quirks.ALMA else 3)
    offer = next(m for m in messages if m.get("deliveryInfo/loanCondition"))
    assert offer.get("deliveryInfo/loanCondition") == "LibraryUseOnly"
    assert messages[-1].status == ends
    loan.refresh_from_db()
    assert loan.status == (Status.IN_PROCESS if ends == "WillSupply" else Status.CANCELLED)
    assert not loan.events.filter(text__contains="#seq:").exists()


def test_an_illmock_retry_under_the_same_id_replaces_the_request(
    requester: Requester, partner: IsoPartner
) -> None:
    requester.send(copy_request("same-id", article="First try"))
    requester.wait_for("same-id", 1)
    first = _request("same-id")

    retry = copy_request("same-id", article="Second try", request_type="Retry", previous="same-id")
    confirmation = requester.send(retry)

    assert find(confirmation, "confirmationHeader/messageStatus") == "OK"
    messages = requester.wait_for("same-id", 2)
    second = _request("same-id")
    first.refresh_from_db()
    assert (first.status, second.article_title) == (Status.CANCELLED, "Second try")
    assert _steps(messages) == [
        ("RequestResponse", "ExpectToSupply"),
        ("RequestResponse", "ExpectToSupply"),
    ]
    assert messages[1].get("header/supplyingAgencyRequestId") == str(second.pk)
