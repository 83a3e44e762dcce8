"""The protocol as real peers use it (docs/iso18626.md): Retry in both forms, what intake reads
that peers send, conditions and price quotes, answers that follow the request's state, and what
each peer's profile changes in the messages we send. Every confirmation and every message we
write is checked against the v1.2 schema."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from registration.models import OutboxMessage
from requests_app import services
from requests_app.iso18626.models import IsoMessage, IsoPartner
from requests_app.models import Request, Status
from tests.factories import make_institution, make_staff
from tests.requests_app.iso18626.helpers import (
    action,
    assert_valid,
    copy_request,
    find,
    loan_request,
    make_partner,
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner() -> IsoPartner:
    return make_partner(make_institution())


@pytest.fixture
def staff() -> Any:
    return make_staff()


def _ok(response: Any) -> bool:
    assert response.status_code == 200
    assert_valid(response.content)
    return find(response.content, "confirmationHeader/messageStatus") == "OK"


def _by_id(request_id: str) -> Request:
    return Request.objects.get(iso_transaction__requesting_agency_request_id=request_id)


def _sent(request: Request) -> list[bytes]:
    rows = IsoMessage.objects.filter(request=request, direction="out").order_by("pk")
    bodies = [row.raw.encode() for row in rows]
    for body in bodies:
        assert_valid(body)
    return bodies


def _emails(request: Request) -> list[str]:
    return list(OutboxMessage.objects.filter(target_id=request.pk).values_list("email", flat=True))


def _last(request: Request) -> bytes:
    return _sent(request)[-1]


def _ship(loan: Request, staff: Any, days: int = 14) -> Request:
    due = timezone.localdate() + timedelta(days=days)
    return services.ship_loan(loan, seen=loan.status, due_date=due, acting_user=staff)


# --- Retry -------------------------------------------------------------------------------------


def test_a_retry_under_the_same_id_replaces_the_request_it_names(
    client: Client, partner: IsoPartner
) -> None:
    """illmock keeps the id (#RETRYKEEPID#) and names it as the previous one; ReShare sends a
    Retry under the id it used. Before, the first got the old confirmation and nothing else."""
    post(client, copy_request("keep", article="An article"))
    first = _by_id("keep")
    retry = copy_request("keep", article="An article", request_type="Retry", previous="keep")

    assert _ok(post(client, retry))

    first.refresh_from_db()
    second = _by_id("keep")
    assert second.pk != first.pk and first.status == Status.CANCELLED
    assert second.status == Status.NEW
    assert second.events.filter(text__contains=f"Retry of request {first.pk}").exists()
    # The partner is told about the new request under its id, never that "it" was cancelled.
    assert [find(m, "statusInfo/status") for m in _sent(first)] == ["ExpectToSupply"]
    assert find(_last(second), "messageInfo/reasonForMessage") == "RequestResponse"


def test_a_retry_under_the_same_id_without_a_previous_id_replaces_it_too(
    client: Client, partner: IsoPartner
) -> None:
    post(client, loan_request("rs-1"))
    body = loan_request("rs-1", title="Lord of the Rings, corrected").replace(
        b"<requestType>New</requestType>", b"<requestType>Retry</requestType>"
    )

    assert _ok(post(client, body))

    assert _by_id("rs-1").title == "Lord of the Rings, corrected"
    assert Request.objects.filter(status=Status.CANCELLED).count() == 1


def test_the_same_retry_sent_again_replays_its_confirmation(
    client: Client, partner: IsoPartner
) -> None:
    post(client, copy_request("r", article="A"))
    retry = copy_request("r", article="A", request_type="Retry", previous="r")
    first = post(client, retry)

    again = post(client, retry)

    assert again.content == first.content and Request.objects.count() == 2


def test_a_previous_id_sent_outside_service_info_is_read(
    client: Client, partner: IsoPartner
) -> None:
    post(client, copy_request("old", article="A"))
    body = copy_request("new", article="A", request_type="Retry").replace(
        b"</requestingAgencyRequestId>",
        b"</requestingAgencyRequestId><requestingAgencyPreviousRequestId>old"
        b"</requestingAgencyPreviousRequestId>",
    )

    assert _ok(post(client, body))
    assert _by_id("old").status == Status.CANCELLED


def test_a_retry_replaces_its_predecessor_before_the_copyright_decision(
    client: Client, partner: IsoPartner
) -> None:
    """Five copies of one journal, then a Retry of the fifth: it is the fifth again, not the
    sixth, and the partner is never told the accepted retry is held."""
    for n in range(5):
        post(client, copy_request(f"c-{n}", article=f"Article {n}", patron=f"p{n}"))
    retry = copy_request(
        "c-4b", article="Article 4", patron="p4", request_type="Retry", previous="c-4"
    )

    assert _ok(post(client, retry))

    replacement = _by_id("c-4b")
    assert replacement.status == Status.NEW
    assert replacement.record.decisions.get().outcome == "ACCEPT_CCG"
    assert [find(m, "statusInfo/status") for m in _sent(replacement)] == ["ExpectToSupply"]
    assert "held" not in find(_last(replacement), "messageInfo/note").lower()


def test_a_retry_cancels_the_request_it_replaces_without_telling_the_library(
    client: Client, partner: IsoPartner
) -> None:
    """Its own ILL system sent the Retry: no "cancelled" email, nor message, for the old request;
    its timeline names the new one, whose own email goes as usual."""
    post(client, copy_request("old", article="An article"))
    retry = copy_request("new", article="An article", request_type="Retry", previous="old")

    assert _ok(post(client, retry))

    old, new = _by_id("old"), _by_id("new")
    assert old.status == Status.CANCELLED
    assert old.events.filter(text=f"Replaced by request {new.pk} (a Retry).").exists()
    assert _emails(old) == ["request-received"]
    assert _emails(new) == ["request-received"]
    assert [find(m, "statusInfo/status") for m in _sent(old)] == ["ExpectToSupply"]


def test_a_refused_retry_leaves_the_request_it_names_as_it_was(
    client: Client, partner: IsoPartner
) -> None:
    post(client, copy_request("old", article="A"))
    retry = copy_request("new", article="A", request_type="Retry", previous="old", compliance="")
    retry = retry.replace(b"<copyrightCompliance></copyrightCompliance>", b"")

    assert not _ok(post(client, retry))
    assert _by_id("old").status == Status.NEW and Request.objects.count() == 1


# --- What intake reads -------------------------------------------------------------------------


def _copy_with(request_id: str, replace: dict[bytes, bytes], extra: bytes = b"") -> bytes:
    body = copy_request(request_id, article="An article")
    for old, new in replace.items():
        body = body.replace(old, new)
    return body.replace(b"</request>", extra + b"</request>")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("pp. 123-145", "123-145"), ("123-45", "123-145"), ("p. 12", "12"), ("e1234", "e1234")],
)
def test_free_text_pages_are_read_as_the_portal_reads_them(
    client: Client, partner: IsoPartner, sent: str, stored: str
) -> None:
    pages = f"<pagesRequested>{sent}</pagesRequested>".encode()
    body = _copy_with("p", {b"<pagesRequested>10-20</pagesRequested>": pages})

    assert _ok(post(client, body))
    assert Request.objects.get().pages == stored


@pytest.mark.parametrize("sent", ["see abstract", "1-2147483648", "9" * 4400])
def test_pages_that_cannot_be_read_go_to_the_notes(
    client: Client, partner: IsoPartner, sent: str
) -> None:
    pages = f"<pagesRequested>{sent}</pagesRequested>".encode()
    body = _copy_with("p", {b"<pagesRequested>10-20</pagesRequested>": pages})

    assert _ok(post(client, body))
    request = Request.objects.get()
    assert request.pages == "" and f"Pages as sent: {sent[:40]}" in request.delivery_notes


def test_a_year_range_is_read_as_its_first_year(client: Client, partner: IsoPartner) -> None:
    body = _copy_with(
        "d",
        {b"<publicationDate>2025</publicationDate>": b"<publicationDate>2021-22</publicationDate>"},
    )

    assert _ok(post(client, body))
    assert Request.objects.get().publication_date == "2021"


def test_reshare_sequence_numbers_are_not_kept_in_the_notes(
    client: Client, partner: IsoPartner
) -> None:
    body = loan_request("n").replace(
        b"<serviceType>Loan</serviceType>",
        b"<serviceType>Loan</serviceType><note>#seq:3#Please rush</note>",
    )

    assert _ok(post(client, body))
    assert Request.objects.get().delivery_notes == "Please rush"


def test_a_request_with_only_our_record_id_is_taken(client: Client, partner: IsoPartner) -> None:
    """ReShare sends supplierUniqueRecordId, our own catalogue's id, and may send no title."""
    body = loan_request("u").replace(
        b"<bibliographicInfo><title>Lord of the Rings</title>",
        b"<bibliographicInfo><supplierUniqueRecordId>2004561234</supplierUniqueRecordId>",
    )

    assert _ok(post(client, body))
    request = Request.objects.get()
    assert "2004561234" in request.title and "2004561234" in request.delivery_notes


def test_a_copys_need_by_date_maximum_cost_and_delivery_address_are_kept(
    client: Client, partner: IsoPartner
) -> None:
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    need = f"<needBeforeDate>{later}T23:59:59Z</needBeforeDate>".encode()
    delivery = (
        b"<requestedDeliveryInfo><sortOrder>1</sortOrder><address><electronicAddress>"
        b"<electronicAddressType>Email</electronicAddressType><electronicAddressData>"
        b"ill@example.edu</electronicAddressData></electronicAddress></address>"
        b"</requestedDeliveryInfo>"
    )
    billing = (
        b"<billingInfo><maximumCosts><currencyCode>USD</currencyCode>"
        b"<monetaryValue>15</monetaryValue></maximumCosts></billingInfo>"
    )
    body = _copy_with(
        "w",
        {b"<serviceType>Copy</serviceType>": b"<serviceType>Copy</serviceType>" + need},
        delivery + billing,
    )

    assert _ok(post(client, body))
    request = Request.objects.get()
    assert (request.need_by.isoformat() if request.need_by else "", request.max_cost) == (
        later,
        Decimal("15.00"),
    )
    assert (request.delivery_preference, request.delivery_address) == (
        "electronic",
        "Email: ill@example.edu",
    )


def test_a_cost_in_another_currency_goes_to_the_notes(client: Client, partner: IsoPartner) -> None:
    billing = (
        b"<billingInfo><maximumCosts><currencyCode>EUR</currencyCode>"
        b"<monetaryValue>12.50</monetaryValue></maximumCosts></billingInfo>"
    )

    assert _ok(post(client, _copy_with("e", {}, billing)))
    request = Request.objects.get()
    assert request.max_cost is None and "Maximum cost: 12.50 EUR" in request.delivery_notes


@pytest.mark.parametrize("sent", ["2999-02-30", "2999-13-01T00:00:00Z"])
def test_a_need_by_date_that_is_no_date_goes_to_the_notes(
    client: Client, partner: IsoPartner, sent: str
) -> None:
    need = f"<needBeforeDate>{sent}</needBeforeDate>".encode()
    body = _copy_with(
        "nb", {b"<serviceType>Copy</serviceType>": b"<serviceType>Copy</serviceType>" + need}
    )

    assert _ok(post(client, body))
    request = Request.objects.get()
    assert request.need_by is None and f"Need by as sent: {sent}" in request.delivery_notes


@pytest.mark.parametrize("value", ["999999.999", "1e999999", "12345678"])
def test_a_cost_the_column_cannot_hold_goes_to_the_notes(
    client: Client, partner: IsoPartner, value: str
) -> None:
    """999999.999 rounds to a cent over what the column holds: it is read as sent, not refused."""
    billing = (
        b"<billingInfo><maximumCosts><currencyCode>USD</currencyCode>"
        b"<monetaryValue>" + value.encode() + b"</monetaryValue></maximumCosts></billingInfo>"
    )

    assert _ok(post(client, _copy_with("big", {}, billing)))
    request = Request.objects.get()
    assert request.max_cost is None and f"Maximum cost: {value} USD" in request.delivery_notes


# --- What we send ------------------------------------------------------------------------------


def test_a_loan_goes_out_with_its_barcode_return_address_and_a_due_date_of_that_day(
    client: Client, partner: IsoPartner, staff: Any, settings: Any
) -> None:
    settings.OFFICE_ADDRESS = "101 Independence Ave SE\nWashington, DC 20540"
    settings.TIME_ZONE = "Pacific/Auckland"
    post(client, loan_request("l"))
    loan = _ship(_by_id("l"), staff)

    sent = _last(loan)

    assert find(sent, "statusInfo/status") == "Loaned"
    assert find(sent, "deliveryInfo/itemId") == str(loan.pk)
    assert find(sent, "returnInfo/physicalAddress/line1") == "101 Independence Ave SE"
    assert find(sent, "statusInfo/dueDate") == f"{loan.due_date:%Y-%m-%d}T12:00:00Z"


def test_a_conditional_offer_carries_a_loan_condition(
    client: Client, partner: IsoPartner, staff: Any
) -> None:
    post(client, loan_request("c"))
    loan = _by_id("c")
    services.reply_conditionally(
        loan,
        seen=loan.status,
        conditions="Library use only, in the reading room",
        acting_user=staff,
    )

    sent = _last(loan)

    assert find(sent, "statusInfo/status") == "WillSupply"
    assert find(sent, "deliveryInfo/loanCondition") == "LibraryUseOnly"
    assert "reading room" in find(sent, "messageInfo/note")


def test_a_price_quote_carries_offered_costs(partner: IsoPartner, staff: Any) -> None:
    client = Client()
    post(client, copy_request("q", article="A"))
    order = _by_id("q")
    Request.objects.filter(pk=order.pk).update(is_duplication=True)
    order.refresh_from_db()
    services.send_quote(
        order, seen=order.status, amount=Decimal("35.50"), note="Four TIFFs", acting_user=staff
    )

    sent = _last(order)

    assert (
        find(sent, "messageInfo/offeredCosts/monetaryValue"),
        find(sent, "messageInfo/offeredCosts/currencyCode"),
    ) == ("35.50", "USD")
    assert find(sent, "deliveryInfo/loanCondition") == "Other"
    assert "35.50" in find(sent, "messageInfo/note")


@pytest.mark.parametrize(
    ("note", "agreed"),
    [
        ("#seq:4##ReShareLoanConditionAgreeResponse#", True),
        ("ACCEPT", True),
        ("accept.", True),
        ("REJECT", False),
        ("#ReShareLoanConditionRejectResponse#", False),
    ],
)
def test_the_partner_agrees_or_declines_conditions_with_its_own_markers(
    client: Client, partner: IsoPartner, staff: Any, note: str, agreed: bool
) -> None:
    post(client, loan_request("c"))
    loan = _by_id("c")
    services.reply_conditionally(loan, seen=loan.status, conditions="No copying", acting_user=staff)

    assert _ok(post(client, action("c", "Notification", note)))

    loan.refresh_from_db()
    assert loan.status == (Status.IN_PROCESS if agreed else Status.CANCELLED)


def test_a_note_that_only_mentions_acceptance_does_not_agree(
    client: Client, partner: IsoPartner, staff: Any
) -> None:
    post(client, loan_request("c"))
    loan = _by_id("c")
    services.reply_conditionally(loan, seen=loan.status, conditions="No copying", acting_user=staff)

    post(client, action("c", "Notification", "ACCEPTANCE depends on our patron"))

    loan.refresh_from_db()
    assert loan.status == Status.CONDITIONAL


def test_reshares_cancel_of_a_conditional_offer_declines_the_conditions(
    client: Client, partner: IsoPartner, staff: Any
) -> None:
    post(client, loan_request("c"))
    loan = _by_id("c")
    services.reply_conditionally(loan, seen=loan.status, conditions="No copying", acting_user=staff)

    post(client, action("c", "Cancel"))

    loan.refresh_from_db()
    sent = _last(loan)
    assert loan.events.filter(action="conditions_declined").exists()
    assert (find(sent, "messageInfo/reasonForMessage"), find(sent, "messageInfo/answerYesNo")) == (
        "CancelResponse",
        "Y",
    )


# --- Answers that follow the request's state ---------------------------------------------------


def test_refusing_a_request_the_partner_asked_to_cancel_answers_yes(
    client: Client, partner: IsoPartner, staff: Any
) -> None:
    post(client, loan_request("x"))
    loan = _by_id("x")
    services.accept_request(loan, seen=loan.status, acting_user=staff)
    post(client, action("x", "Cancel"))

    services.refuse_request(
        loan, seen=Status.IN_PROCESS, refusal_reason="in_use", reason="", acting_user=staff
    )

    sent = _last(loan)
    assert (find(sent, "messageInfo/reasonForMessage"), find(sent, "messageInfo/answerYesNo")) == (
        "CancelResponse",
        "Y",
    )
    assert find(sent, "statusInfo/status") == "Unfilled"


def test_a_cancel_sent_again_for_a_cancelled_request_answers_yes(
    client: Client, partner: IsoPartner
) -> None:
    post(client, loan_request("x"))
    post(client, action("x", "Cancel"))

    post(client, action("x", "Cancel"))

    sent = _sent(_by_id("x"))
    assert [find(m, "messageInfo/answerYesNo") for m in sent[1:]] == ["Y", "Y"]


def test_a_status_request_after_a_recall_says_recalled(
    client: Client, partner: IsoPartner, staff: Any
) -> None:
    post(client, loan_request("x"))
    loan = _ship(_by_id("x"), staff)
    sooner = timezone.localdate() + timedelta(days=3)
    services.recall_loan(loan, seen=loan.status, due_date=sooner, acting_user=staff)

    post(client, action("x", "StatusRequest"))

    sent = _last(loan)
    assert find(sent, "messageInfo/reasonForMessage") == "StatusRequestResponse"
    assert find(sent, "statusInfo/status") == "Recalled"
    assert find(sent, "statusInfo/dueDate").startswith(sooner.isoformat())


@pytest.mark.parametrize("decision", ["recall", "decline"])
def test_a_renew_does_not_undo_a_recall_or_a_declined_renewal(
    client: Client, partner: IsoPartner, staff: Any, decision: str
) -> None:
    post(client, loan_request("x"))
    loan = _ship(_by_id("x"), staff, days=5)
    due = loan.due_date
    if decision == "recall":
        sooner = timezone.localdate() + timedelta(days=2)
        services.recall_loan(loan, seen=loan.status, due_date=sooner, acting_user=staff)
        due = sooner
    else:
        services.request_renewal(loan, note="Please", acting_user=loan.institution.user)
        services.decline_renewal(loan, seen=loan.status, reason="Wanted here", acting_user=staff)

    post(client, action("x", "Renew"))

    loan.refresh_from_db()
    assert (loan.due_date, loan.renewals) == (due, 0)
    assert find(_last(loan), "messageInfo/answerYesNo") == "N"


def test_an_overdue_loan_is_renewed_from_today_not_to_a_date_past(
    client: Client, partner: IsoPartner, staff: Any
) -> None:
    post(client, loan_request("x"))
    loan = _ship(_by_id("x"), staff, days=14)
    long_ago = timezone.localdate() - timedelta(days=54)
    Request.objects.filter(pk=loan.pk).update(
        status=Status.OVERDUE,
        due_date=long_ago + timedelta(days=14),
        supplied_at=timezone.now() - timedelta(days=54),
    )

    post(client, action("x", "Renew"))

    loan.refresh_from_db()
    assert loan.due_date is not None and loan.due_date > timezone.localdate()
    assert find(_last(loan), "messageInfo/answerYesNo") == "Y"


# --- Peer profiles -----------------------------------------------------------------------------


def _alma(client: Client) -> IsoPartner:
    partner = make_partner(make_institution(), agency=("OCLC", "ALMA"))
    partner.quirks = IsoPartner.Quirks.ALMA
    partner.save()
    return partner


def _from_alma(body: bytes) -> bytes:
    return body.replace(b">REQ<", b">ALMA<")


def test_an_alma_library_sees_why_its_copy_is_held(client: Client) -> None:
    """Alma shows no ExpectToSupply and reads a note only on a Notification."""
    _alma(client)
    for n in range(6):
        post(client, _from_alma(copy_request(f"c-{n}", article=f"Article {n}", patron=f"p{n}")))

    held = _by_id("c-5")
    sent = _sent(held)

    assert held.status == Status.AWAITING_CLEARANCE
    assert [
        (find(m, "messageInfo/reasonForMessage"), find(m, "statusInfo/status")) for m in sent
    ] == [
        ("RequestResponse", "WillSupply"),
        ("Notification", "WillSupply"),
    ]
    assert "copyright" in find(sent[1], "messageInfo/note").lower()


def test_a_copy_held_for_its_title_key_tells_the_partner_why_not_the_rule_of_five(
    client: Client, partner: IsoPartner
) -> None:
    """Ruling 6 (docs/copyright.md section 10): the journal cited with an ISSN the authority does
    not know, then as written without it, is held for staff to confirm which journal it is."""
    journal = "Integrative Biology"
    post(client, copy_request("c-0", article="Article 0", journal=journal, issn="1757-9694"))
    without_issn = copy_request("c-1", article="Article 1", journal=journal)
    post(client, re.sub(rb"<bibliographicItemId>.*</bibliographicItemId>", b"", without_issn))

    held = _by_id("c-1")
    assert held.status == Status.AWAITING_CLEARANCE and held.record.key_to_confirm
    note = find(_last(held), "messageInfo/note")
    assert "rule of five" not in note
    assert "the title needs staff to confirm which journal it is" in note


def test_alma_is_asked_to_accept_or_reject_conditions_and_is_heard(
    client: Client, staff: Any
) -> None:
    _alma(client)
    post(client, _from_alma(loan_request("c")))
    loan = _by_id("c")
    services.reply_conditionally(loan, seen=loan.status, conditions="No copying", acting_user=staff)
    notification = _last(loan)

    post(client, _from_alma(action("c", "Notification", "REJECT")))

    loan.refresh_from_db()
    assert find(notification, "messageInfo/reasonForMessage") == "Notification"
    note = find(notification, "messageInfo/note")
    assert "Condition: NoReproduction" in note and "`ACCEPT` or `REJECT`" in note
    assert loan.status == Status.CANCELLED


def test_reshare_is_sent_its_own_condition_markers(client: Client, staff: Any) -> None:
    partner = make_partner(make_institution())
    partner.quirks = IsoPartner.Quirks.RESHARE
    partner.save()
    post(client, loan_request("c"))
    loan = _by_id("c")
    services.reply_conditionally(loan, seen=loan.status, conditions="No copying", acting_user=staff)

    note = find(_last(loan), "messageInfo/note")

    assert note.startswith("#ReShareAddLoanCondition#")
    assert "#ReShareSupplierAwaitingConditionConfirmation#" in note


def test_a_standard_partner_gets_no_peer_markers(
    client: Client, partner: IsoPartner, staff: Any
) -> None:
    post(client, loan_request("c"))
    loan = _by_id("c")
    services.reply_conditionally(loan, seen=loan.status, conditions="No copying", acting_user=staff)

    sent = _sent(loan)

    assert "#" not in find(sent[-1], "messageInfo/note")
    assert [find(m, "messageInfo/reasonForMessage") for m in sent] == [
        "RequestResponse",
        "StatusChange",
    ]


def test_every_ill_system_has_a_profile() -> None:
    from requests_app.iso18626.models import PEERS

    assert set(PEERS) == set(IsoPartner.Quirks)


# --- Everything a ReShare copy request carries, in one message ---------------------------------


def test_a_reshare_copy_request_with_every_field_is_read_whole(client: Client) -> None:
    """The basis code, the patron, free-text pages, need-by date and maximum cost, our record id
    and the security code, as ReShare sends them: bare, lower-case codes, `#seq:N#` notes."""
    make_partner(make_institution(), account=("acct", "s3cret-code"))
    later = (timezone.localdate() + timedelta(days=20)).isoformat()
    year = timezone.localdate().year
    record_id = (
        "<bibliographicRecordId><bibliographicRecordIdentifierCode>{}"
        "</bibliographicRecordIdentifierCode><bibliographicRecordIdentifier>{}"
        "</bibliographicRecordIdentifier></bibliographicRecordId>"
    )
    body = (
        '<request xmlns="http://illtransactions.org/2013/iso18626"><header>'
        "<supplyingAgencyId><agencyIdType>ISIL</agencyIdType><agencyIdValue>US-DLC"
        "</agencyIdValue></supplyingAgencyId><requestingAgencyId><agencyIdType>OCLC"
        "</agencyIdType><agencyIdValue>REQ</agencyIdValue></requestingAgencyId>"
        "<timestamp>2026-11-30T10:00:00.000Z</timestamp>"
        "<requestingAgencyRequestId>rs-1</requestingAgencyRequestId>"
        "<requestingAgencyAuthentication><accountId>acct</accountId>"
        "<securityCode><![CDATA[s3cret-code]]></securityCode></requestingAgencyAuthentication>"
        "</header><bibliographicInfo><title>Why ducks fly</title><author>Q. Duck</author>"
        "<supplierUniqueRecordId>2004561234</supplierUniqueRecordId>"
        + record_id.format("stitle", "Journal of Ducks")
        + record_id.format("issn", "0028-0836")
        + "<volume>3</volume><issue>2</issue><pagesRequested>pp. 123-45</pagesRequested>"
        f"</bibliographicInfo><publicationInfo><publicationDate>{year}</publicationDate>"
        "</publicationInfo><serviceInfo><requestType>New</requestType>"
        f"<serviceType>Copy</serviceType><needBeforeDate>{later}T23:59:59Z</needBeforeDate>"
        "<copyrightCompliance>us-ccl</copyrightCompliance>"
        "<note>#seq:1##CCL-BASIS:fair_use# Teaching one class</note></serviceInfo>"
        "<billingInfo><maximumCosts><currencyCode>usd</currencyCode>"
        "<monetaryValue>25.5</monetaryValue></maximumCosts></billingInfo>"
        "<patronInfo><patronId>P-77</patronId></patronInfo></request>"
    ).encode()

    assert _ok(post(client, body))

    request = _by_id("rs-1")
    assert (request.record.statement, request.record.basis) == ("CCL", "fair_use")
    assert (request.title, request.article_title, request.pages) == (
        "Journal of Ducks",
        "Why ducks fly",
        "123-145",
    )
    assert (request.patron_id, request.patron_ref) == ("P-77", "")
    assert (str(request.need_by), request.max_cost) == (later, Decimal("25.50"))
    assert request.delivery_notes == (
        "Teaching one class Our catalogue record (supplierUniqueRecordId): 2004561234"
    )
    logged = IsoMessage.objects.get(request=request, direction="in")
    assert "s3cret-code" not in logged.raw + str(logged.parsed)
