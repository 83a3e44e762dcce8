"""Monthly invoices with one gapless number sequence, payments that close them, statements,
the PDF and CSV, and the purge protection of unpaid charges (docs/fees.md)."""

import io
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pikepdf
import pypdfium2
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from copyright_rules.retention import purge_due_records
from fees import services
from fees.models import Charge, ChargeEvent, Fee, FeeService, Invoice, Payment
from registration.models import Institution
from tests.fees.conftest import act
from tests.requests_app.factories import make_loan

pytestmark = pytest.mark.django_db

MONTH = date(2026, 3, 1)


def shipped_on(day: date, institution: Institution, desk: Client) -> Any:
    item = make_loan(institution)
    act(desk, item, "ship", due_date=(timezone.localdate() + timedelta(days=21)).isoformat())
    Charge.objects.filter(request=item).update(charged_on=day)
    return item


def test_the_command_invoices_each_institution_once_with_consecutive_numbers(
    desk: Client,
    institution: Institution,
    other_institution: Institution,
    schedule: dict[FeeService, Fee],
) -> None:
    for owner in (institution, institution, other_institution):
        shipped_on(MONTH.replace(day=10), owner, desk)
    out = StringIO()
    call_command("issue_invoices", "--month", "2026-03", stdout=out)
    call_command("issue_invoices", "--month", "2026-03", stdout=StringIO())
    invoices = Invoice.objects.order_by("number")
    assert [(i.number, i.institution, i.total) for i in invoices] == [
        (1, institution, Decimal("30.00")),
        (2, other_institution, Decimal("15.00")),
    ]
    assert "2 invoices issued for 2026-03" in out.getvalue()


def test_a_charge_of_the_next_month_waits_for_its_invoice(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    shipped_on(date(2026, 4, 1), institution, desk)
    assert services.issue_invoices(MONTH) == []
    assert Charge.objects.get().invoice is None


def test_a_month_that_is_not_a_month_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("issue_invoices", "--month", "March")


def test_the_beat_task_invoices_last_month(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    from fees.tasks import issue_invoices

    last_month = services.previous_month(timezone.localdate())
    shipped_on(last_month, institution, desk)
    assert issue_invoices.delay().get() == 1
    assert Invoice.objects.get().month == last_month


def test_a_payment_of_the_balance_closes_the_invoice_and_its_charges(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee], staff: Any
) -> None:
    shipped_on(MONTH, institution, desk)
    [invoice] = services.issue_invoices(MONTH)
    services.record_payment(
        invoice,
        method="check",
        reference="1234",
        amount=Decimal("5.00"),
        received_on=MONTH,
        acting_user=staff,
    )
    assert Invoice.objects.get().paid_at is None
    services.record_payment(
        invoice,
        method="ifla_voucher",
        reference="V-77",
        amount=Decimal("10.00"),
        received_on=MONTH,
        acting_user=staff,
    )
    assert Invoice.objects.get().paid_at is not None
    actions = list(ChargeEvent.objects.values_list("action", flat=True))
    assert actions == ["charged", "invoiced", "paid"]


def test_the_admin_records_a_payment_and_refuses_more_than_the_balance(
    admin_client: Client, desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    shipped_on(MONTH, institution, desk)
    [invoice] = services.issue_invoices(MONTH)
    url = reverse("admin:fees_payment_add")
    data = {
        "invoice": invoice.pk,
        "method": "ifm",
        "reference": "IFM-9",
        "received_on": "2026-04-02",
    }
    too_much = admin_client.post(url, {**data, "amount": "15.01"})
    assert too_much.status_code == 200 and "has only 15.00 open" in too_much.content.decode()
    assert admin_client.post(url, {**data, "amount": "0"}).status_code == 200
    assert not Payment.objects.exists()
    admin_client.post(url, {**data, "amount": "15.00"})
    assert Invoice.objects.get().paid_at is not None


def test_the_statement_shows_open_invoices_and_uninvoiced_charges_of_its_own_library_only(
    desk: Client,
    portal: Client,
    institution: Institution,
    other_institution: Institution,
    schedule: dict[FeeService, Fee],
) -> None:
    shipped_on(MONTH, institution, desk)
    services.issue_invoices(MONTH)
    waiting = shipped_on(date(2026, 4, 3), institution, desk)
    shipped_on(MONTH, other_institution, desk)
    services.issue_invoices(MONTH)
    page = portal.get(reverse("fees:statement")).content.decode()
    assert "Invoice 1 (March 2026)" in page and f"Request {waiting.pk}</a>" in page
    assert "Invoice 2" not in page
    assert portal.get(reverse("fees:invoice_pdf", args=[2])).status_code == 404


def _pdf_text(body: bytes) -> str:
    document = pypdfium2.PdfDocument(body)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def test_the_invoice_is_a_pdf_and_a_csv_with_the_same_total(
    desk: Client, portal: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    item = shipped_on(MONTH, institution, desk)
    shipped_on(MONTH.replace(day=20), institution, desk)
    services.issue_invoices(MONTH)
    pdf = portal.get(reverse("fees:invoice_pdf", args=[1]))
    csv = portal.get(reverse("fees:invoice_csv", args=[1])).content.decode()
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content)
    assert f"invoice 1\r\nTo {institution.oclc_symbol} {institution.name}" in text
    assert f"\r\n{item.pk} 2026-03-01 Supply: Loan 15.00\r\n" in text
    assert text.endswith("\r\nTotal 30.00")
    assert f"1,2026-03,{item.pk},2026-03-01,Supply: Loan,USD,15.00" in csv
    assert csv.strip().endswith("Total,,30.00")


def test_the_invoice_pdf_is_tagged_with_its_language_and_title(
    desk: Client, portal: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    shipped_on(MONTH, institution, desk)
    services.issue_invoices(MONTH)
    body = portal.get(reverse("fees:invoice_pdf", args=[1])).content
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.docinfo.get("/Title")) == "Invoice 1"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle


def test_staff_read_any_invoice_and_libraries_cannot_use_the_desk_copy(
    desk: Client, portal: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    shipped_on(MONTH, institution, desk)
    services.issue_invoices(MONTH)
    assert desk.get(reverse("fees:desk_invoice_csv", args=[1])).status_code == 200
    assert portal.get(reverse("fees:desk_invoice_csv", args=[1])).status_code in (302, 403)


def test_open_balances_show_on_the_staff_home(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee]
) -> None:
    shipped_on(MONTH, institution, desk)
    page = desk.get(reverse("desk:home")).content.decode()
    assert "Open balances" in page and f"{institution.oclc_symbol}" in page and "USD 15.00" in page


def _purge_years_later() -> int:
    """The purge run on a day when the request's record is long due (docs/copyright.md s. 7)."""
    return purge_due_records(timezone.localdate().replace(month=1, day=1) + timedelta(days=5 * 366))


def test_an_unpaid_charge_keeps_its_request_from_the_purge_until_paid(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee], staff: Any
) -> None:
    item = shipped_on(MONTH, institution, desk)
    act(desk, item, "return")
    assert _purge_years_later() == 0
    [invoice] = services.issue_invoices(MONTH)
    services.record_payment(
        invoice,
        method="deposit_account",
        reference="DA-1",
        amount=invoice.total,
        received_on=MONTH,
        acting_user=staff,
    )
    assert _purge_years_later() == 1
    assert not Charge.objects.exists() and Invoice.objects.get().total == Decimal("15.00")


@pytest.mark.parametrize(("role", "shown"), [("request staff", True), ("verifier", False)])
def test_open_balances_show_to_request_staff_and_not_to_verifiers(
    client: Client,
    desk: Client,
    institution: Institution,
    schedule: dict[FeeService, Fee],
    django_user_model: Any,
    role: str,
    shown: bool,
) -> None:
    call_command("setup_roles", stdout=StringIO())
    shipped_on(MONTH, institution, desk)
    user = django_user_model.objects.create_user("role_user", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    page = client.get(reverse("desk:home")).content.decode()
    assert ("Open balances" in page) is shown


def test_no_role_may_delete_a_charge_or_edit_its_events() -> None:
    call_command("setup_roles", stdout=StringIO())
    granted = set(Permission.objects.filter(group__isnull=False).values_list("codename", flat=True))
    assert "view_charge" in granted and "add_payment" in granted
    assert not granted & {
        "delete_charge",
        "delete_invoice",
        "change_chargeevent",
        "add_chargeevent",
    }


def test_a_part_payment_lowers_the_open_balance_on_the_staff_home(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee], staff: Any
) -> None:
    shipped_on(MONTH, institution, desk)
    shipped_on(date(2026, 4, 2), institution, desk)
    [invoice] = services.issue_invoices(MONTH)
    services.record_payment(
        invoice,
        method="card",
        reference="auth 5521",
        amount=Decimal("4.00"),
        received_on=MONTH,
        acting_user=staff,
    )
    page = desk.get(reverse("desk:home")).content.decode()
    assert "USD 26.00" in page  # 15 invoiced - 4 paid + 15 not yet invoiced


def test_an_invoice_open_past_the_reminder_days_is_reminded_once_by_email(
    desk: Client,
    institution: Institution,
    schedule: dict[FeeService, Fee],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    from django.core import mail

    from fees.tasks import send_reminders

    shipped_on(MONTH, institution, desk)
    [invoice] = services.issue_invoices(MONTH)
    Invoice.objects.update(issued_at=timezone.now() - timedelta(days=31))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders.delay().get() == 1
        assert send_reminders.delay().get() == 0
    [message] = mail.outbox
    assert (message.to, message.reply_to) == ([institution.email], [settings.OFFICE_EMAIL])
    assert f"Invoice {invoice.number} is open: USD 15.00" == message.subject
    assert reverse("fees:statement") in message.body
    assert [kind for _, kind in getattr(message, "alternatives", [])] == ["text/html"]


def test_a_paid_invoice_is_never_reminded(
    desk: Client, institution: Institution, schedule: dict[FeeService, Fee], staff: Any
) -> None:
    shipped_on(MONTH, institution, desk)
    [invoice] = services.issue_invoices(MONTH)
    services.record_payment(
        invoice,
        method="check",
        reference="88",
        amount=invoice.total,
        received_on=MONTH,
        acting_user=staff,
    )
    later = timezone.now() + timedelta(days=90)
    assert services.send_reminders(now=later) == 0
