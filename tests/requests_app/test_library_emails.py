"""Every request event that matters to the library sends the right email, with the request number
and the library's own reference in the subject: on real parts (the services commit, a Celery
worker process takes the task from Redis, and delivers over SMTP to a real server)."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from requests_app import scheduled, services
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_copy, make_loan

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _loan_through_its_life(institution: Any, staff: Any, smtp: Any) -> tuple[int, list[str]]:
    """Each email is rendered when the worker sends it, so the test lets the shipment's email
    go before the renewal changes the due date it names."""
    loan = make_loan(institution, patron_ref="TN:1001")
    first_due = timezone.localdate() + timedelta(days=21)
    services.ship_loan(loan, seen="new", due_date=first_due, acting_user=staff)
    smtp.wait_for(2)
    scheduled.mark_overdue_loans(today=first_due + timedelta(days=8))
    scheduled.send_overdue_notices(today=first_due + timedelta(days=8))
    scheduled.send_overdue_notices(today=first_due + timedelta(days=15))
    loan.refresh_from_db()
    new_due = first_due + timedelta(days=40)
    services.renew_loan(loan, seen="overdue", due_date=new_due, acting_user=staff)
    services.record_return(loan, seen="on_loan", acting_user=staff)
    ref = f"Loan request {loan.pk} (your ref. TN:1001)"
    return loan.pk, [
        f"{ref}: received",
        f"{ref}: shipped, due back {first_due:%Y-%m-%d}",
        f"{ref}: overdue notice 1",
        f"{ref}: overdue notice 2",
        f"{ref}: renewed until {new_due:%Y-%m-%d}",
        f"{ref}: returned, thank you",
    ]


def _renewal_declined(institution: Any, staff: Any) -> tuple[list[str], list[str]]:
    """(what the library receives, what the office receives)."""
    loan = make_loan(institution, patron_ref="TN:1005", title="Second book")
    due = timezone.localdate() + timedelta(days=5)
    services.ship_loan(loan, seen="new", due_date=due, acting_user=staff)
    services.request_renewal(loan, note="Two more weeks, please", acting_user=institution.user)
    services.decline_renewal(
        loan, seen="on_loan", reason="Requested by another library", acting_user=staff
    )
    ref = f"Loan request {loan.pk} (your ref. TN:1005)"
    symbol = institution.oclc_symbol
    office = f"Loan request {loan.pk} from {symbol}: renewal asked for (due {due:%Y-%m-%d})"
    library = [
        f"{ref}: received",
        f"{ref}: shipped, due back {due:%Y-%m-%d}",
        f"{ref}: renewal declined, still due {due:%Y-%m-%d}",
    ]
    return library, [office]


def _copies_through_their_lives(institution: Any, staff: Any) -> list[str]:
    delivered = make_copy(institution, patron_ref="TN:1002")
    services.reply_conditionally(
        delivered, seen="new", conditions="Library use only", acting_user=staff
    )
    services.answer_conditions(delivered, seen="conditional", accept=True, acting_user=staff)
    pdf = SimpleUploadedFile("copy.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    services.fill_copy(
        delivered, seen="in_process", delivery_method="electronic", pdf=pdf, acting_user=staff
    )
    refused = make_copy(institution, patron_ref="TN:1003", article_title="Second")
    services.refuse_request(
        refused, seen="new", refusal_reason="too_fragile", reason="Brittle", acting_user=staff
    )
    cancelled = make_copy(institution, patron_ref="TN:1004", article_title="Third", issue="4")
    services.send_message(cancelled, text="We found two editions.", acting_user=staff)
    services.cancel_by_institution(cancelled, seen="new", acting_user=institution.user)
    one, two, three = (
        f"Copy request {r.pk} (your ref. {r.patron_ref})" for r in (delivered, refused, cancelled)
    )
    return [
        f"{one}: received",
        f"{one}: the office can supply it on a condition",
        f"{one}: your copy is ready to download",
        f"{two}: received",
        f"{two}: refused, cannot be supplied (too fragile to lend or copy)",
        f"{three}: received",
        f"{three}: a message from the office",
        f"{three}: cancelled",
    ]


def test_every_library_event_is_emailed_with_the_number_and_the_reference(
    broker: str, smtp_server: Any, celery_worker: Any, settings: Any
) -> None:
    institution, staff = make_institution(), make_staff()
    loan_pk, expected = _loan_through_its_life(institution, staff, smtp_server)
    expected += _copies_through_their_lives(institution, staff)
    library, office = _renewal_declined(institution, staff)
    expected += library

    received = smtp_server.wait_for(len(expected) + len(office))

    to_library = [m["Subject"] for m in received if m["To"] == institution.email]
    to_office = [m["Subject"] for m in received if m["To"] == settings.OFFICE_EMAIL]
    assert sorted(to_library) == sorted(expected)
    assert to_office == office
    bodies = {m["Subject"]: m.get_body(preferencelist=("plain",)).get_content() for m in received}
    [ready] = [body for subject, body in bodies.items() if "ready to download" in subject]
    assert "/copy.pdf" in ready and "until " in ready
    [refused] = [body for subject, body in bodies.items() if "cannot be supplied" in subject]
    assert "Too fragile to lend or copy. Brittle" in refused
    [renewed] = [body for subject, body in bodies.items() if "renewed until" in subject]
    assert "has been shipped" not in renewed and "Email: " in renewed
