"""The clearance queue (SPEC section 5) and record status changes."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from copyright_rules import services
from copyright_rules.models import Decision, Record, RecordStatusChange
from registration.models import Institution
from tests.copyright_rules.factories import (
    article,
    at,
    decide_and_record,
    make_institution,
    make_staff,
    request_of,
)

pytestmark = pytest.mark.django_db


def submit(institution: Institution, **overrides: Any) -> Record:
    with transaction.atomic():
        record, _ = decide_and_record(
            institution, request_of(article(**overrides), service="copy", created_at=at(2024, 7))
        )
    return record


def held_sixth() -> tuple[Record, list[Record]]:
    institution = make_institution()
    counted = [submit(institution, article=f"n{n}") for n in range(5)]
    return submit(institution, article="sixth"), counted


def test_recording_a_permission_accepts_the_held_request_under_r2() -> None:
    held, _ = held_sixth()
    staff = make_staff()

    decision = services.record_permission(
        held, reference="CCC 4455", fee=Decimal("32.50"), acting_user=staff
    )

    held.refresh_from_db()
    assert decision is not None
    assert (decision.outcome, decision.rule, decision.counted) == ("ACCEPT_CCG", "R2", False)
    assert (held.status, held.permission_reference, held.permission_fee) == (
        "accepted",
        "CCC 4455",
        Decimal("32.50"),
    )
    assert decision.decided_by == staff


def test_a_re_evaluation_adds_a_decision_and_keeps_the_first() -> None:
    held, _ = held_sixth()
    first = held.decisions.get()

    services.record_permission(held, reference="CCC 1", acting_user=make_staff())

    assert list(held.decisions.order_by("created_at", "pk").values_list("pk", "outcome")) == [
        (first.pk, "NEEDS_PERMISSION"),
        (held.decisions.latest("pk").pk, "ACCEPT_CCG"),
    ]


def test_a_staff_determination_accepts_the_held_request_under_o1() -> None:
    held, _ = held_sixth()

    decision = services.record_determination(
        held, kind="fair_use", note="Teaching packet, one page.", acting_user=make_staff()
    )

    held.refresh_from_db()
    assert (decision.outcome, decision.rule, decision.counted) == ("ACCEPT_CCL", "O1", False)
    assert (held.status, held.determination_kind) == ("accepted", "fair_use")


def test_a_determination_without_a_note_is_refused() -> None:
    held, _ = held_sixth()

    with pytest.raises(ValueError, match="note"):
        services.record_determination(held, kind="s108e", note="  ", acting_user=make_staff())


def test_re_evaluation_after_a_cancellation_takes_the_freed_slot() -> None:
    held, counted = held_sixth()
    services.set_record_status(counted[0], Record.Status.CANCELLED)

    decision = services.request_reevaluation(held, acting_user=make_staff())

    held.refresh_from_db()
    assert (decision.outcome, decision.counted, decision.copy_number) == ("ACCEPT_CCG", True, 5)
    assert (held.status, held.counted) == ("accepted", True)


def test_re_evaluation_without_a_free_slot_stays_held() -> None:
    held, _ = held_sixth()

    decision = services.request_reevaluation(held, acting_user=make_staff())

    held.refresh_from_db()
    assert decision.outcome == "NEEDS_PERMISSION"
    assert held.status == Record.Status.AWAITING_CLEARANCE
    assert held.decisions.count() == 2


def test_a_cancelled_prior_does_not_reopen_decisions_already_taken() -> None:
    held, counted = held_sixth()

    services.set_record_status(counted[0], Record.Status.CANCELLED)

    held.refresh_from_db()
    assert (held.status, held.decisions.count()) == ("awaiting_clearance", 1)


def test_refusing_a_held_request_records_the_reason() -> None:
    held, _ = held_sixth()
    staff = make_staff()

    services.refuse_held(held, reason="Rightsholder declined.", acting_user=staff)

    change = RecordStatusChange.objects.get(record=held)
    assert (change.from_status, change.to_status, change.note, change.by) == (
        "awaiting_clearance",
        "refused",
        "Rightsholder declined.",
        staff,
    )


def test_only_a_held_request_can_be_refused_as_held() -> None:
    accepted = submit(make_institution())

    with pytest.raises(ValueError, match="awaiting"):
        services.refuse_held(accepted, reason="No.", acting_user=make_staff())


def test_status_change_is_compare_and_set() -> None:
    record = submit(make_institution())
    stale = Record.objects.get(pk=record.pk)
    services.set_record_status(record, Record.Status.IN_PROCESS)

    with pytest.raises(services.StaleRecordStatus):
        services.set_record_status(stale, Record.Status.CANCELLED)
    assert Record.objects.get(pk=record.pk).status == Record.Status.IN_PROCESS


def test_shipping_a_copy_records_the_fulfilment() -> None:
    record = submit(make_institution())
    staff = make_staff()

    services.set_record_status(record, Record.Status.SHIPPED, acting_user=staff)

    record.refresh_from_db()
    assert record.fulfilled_at is not None
    assert record.fulfilled_by == staff
    assert record.returned_at is None


def test_a_loan_moving_to_filled_records_its_return() -> None:
    with transaction.atomic():
        loan, _ = decide_and_record(make_institution(), request_of({}, service="loan"))
    services.set_record_status(loan, Record.Status.SHIPPED)

    services.set_record_status(loan, Record.Status.FILLED)

    loan.refresh_from_db()
    assert loan.returned_at is not None
    assert loan.fulfilled_at is not None
    assert loan.returned_at >= loan.fulfilled_at


def test_a_final_status_is_never_left() -> None:
    record = submit(make_institution())
    services.set_record_status(record, Record.Status.CANCELLED)

    with pytest.raises(ValueError, match="final"):
        services.set_record_status(record, Record.Status.ACCEPTED)


def test_a_held_request_cannot_be_moved_into_a_slot_without_a_decision() -> None:
    held, _ = held_sixth()

    with pytest.raises(ValueError, match="accepting decision"):
        services.set_record_status(held, Record.Status.IN_PROCESS)
    assert Record.objects.get(pk=held.pk).status == Record.Status.AWAITING_CLEARANCE


def test_every_status_change_is_in_the_history() -> None:
    record = submit(make_institution())
    for status in ("in_process", "shipped", "filled"):
        services.set_record_status(record, status)

    history = RecordStatusChange.objects.filter(record=record).values_list(
        "from_status", "to_status"
    )
    assert list(history) == [
        ("accepted", "in_process"),
        ("in_process", "shipped"),
        ("shipped", "filled"),
    ]


def test_only_the_sixth_is_held() -> None:
    held, counted = held_sixth()

    assert list(Record.objects.filter(status=Record.Status.AWAITING_CLEARANCE)) == [held]
    assert not Decision.objects.filter(record__in=counted, outcome="NEEDS_PERMISSION").exists()


def test_a_permission_is_recorded_only_on_a_held_request() -> None:
    held, _ = held_sixth()
    accepted = Record.objects.filter(status=Record.Status.ACCEPTED).first()
    assert accepted is not None and held.pk != accepted.pk

    with pytest.raises(ValueError, match="awaiting copyright clearance"):
        services.record_permission(accepted, reference="CCC 2", acting_user=make_staff())

    accepted.refresh_from_db()
    assert (accepted.permission_reference, accepted.decisions.count()) == ("", 1)
