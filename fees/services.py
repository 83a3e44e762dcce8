"""Charges, invoices and payments (docs/fees.md).

The request lifecycle calls `charge_for_transition` inside each transition's transaction (a row
of requests_app.lifecycle.FAN_OUT): a charge is written with the move or not at all. Invoices take
their number from the one `InvoiceSequence` row, locked in the issuing transaction, so a
rolled-back issue gives its number back and the numbers run without gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypedDict, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from fees.models import (
    ZERO,
    BillingInfo,
    Charge,
    ChargeEvent,
    ChargeKind,
    Exemption,
    Fee,
    FeeService,
    Invoice,
    InvoiceSequence,
    Payment,
)
from illdesk import outbox
from illdesk.actors import Actor
from registration.models import Institution
from requests_app.models import Action, Request, RequestEvent


class ChargeAboveMaximum(Exception):
    """Supplying would charge more than the library's maximum cost, which it has not agreed to
    exceed: nothing was done (send a conditional reply with the cost)."""

    def __init__(self, request: Request, quote: Quote, maximum: Cost) -> None:
        super().__init__(
            f"Request {request.pk}: the charge {quote} is above the library's maximum cost of "
            f"{maximum}. Nothing was done: send a conditional reply with the cost, and supply "
            "once the library accepts it."
        )


@dataclass(frozen=True)
class Cost:
    """An amount in a currency, as ISO 18626 states costs (`currencyCode`, `monetaryValue`).
    A maximum cost a partner sent may be in any currency, or not a number (amount None)."""

    amount: Decimal | None
    currency: str

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.2f}" if self.amount is not None else "unreadable"


@dataclass(frozen=True)
class Quote:
    """A charge as the schedule prices it."""

    service: FeeService
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.2f}"


def fee_service(request: Request) -> FeeService:
    if not request.is_copy:
        return FeeService.LOAN
    if request.is_duplication:
        return FeeService(f"reproduction_{request.reproduction_format or 'pdf'}")
    if request.work_kind == Request.WorkKind.NON_PERIODICAL:
        return FeeService.CHAPTER
    return FeeService.ARTICLE


def likely_charge(request: Request, *, service: FeeService | None = None) -> Quote | None:
    """What the schedule charges for this request; None when nothing is charged (no fee for
    the service, or the institution is exempt)."""
    service = service or fee_service(request)
    fee = Fee.objects.filter(service=service).first()
    if fee is None or Exemption.objects.filter(institution_id=request.institution_id).exists():
        return None
    # A lost loan's replacement is the item's cost: no rush or pages in it.
    rush = service != FeeService.LOST_LOAN and _is_rush(request, fee)
    amount = fee.amount(pages=request.pages_requested, rush=rush)
    return Quote(service, amount, fee.currency) if amount > 0 else None


def _is_rush(request: Request, fee: Fee) -> bool:
    if request.need_by is None:
        return False
    asked_on = timezone.localdate(request.created_at)
    return request.need_by <= asked_on + timedelta(days=fee.rush_within_days)


def price_terms(institution: Institution, services: tuple[FeeService, ...]) -> list[str]:
    """What the portal's request forms say a request will likely cost this institution."""
    if Exemption.objects.filter(institution=institution).exists():
        return ["Your library is not charged: it is exempt from the office's fees."]
    return [fee.terms for fee in Fee.objects.filter(service__in=services)]


def maximum_cost(request: Request) -> Cost | None:
    """The library's maximum cost: the portal's field (in US dollars), or what its ISO 18626
    request's `billingInfo/maximumCosts` said, in whatever currency; None when it set none."""
    if request.max_cost is not None:
        return Cost(request.max_cost, "USD")
    billing = billing_of(request)
    if billing is None or not billing.maximum_sent:
        return None
    return Cost(billing.maximum_amount, billing.maximum_currency)


def billing_of(request: Request) -> BillingInfo | None:
    """The partner's `billingInfo` kept with the request, if any (read once per request
    object: Django keeps the answer, a missing row too)."""
    try:
        return request.billing_info
    except BillingInfo.DoesNotExist:
        return None


def exceeds_maximum(request: Request, quote: Quote | None) -> Cost | None:
    """The maximum the charge is above, if it is: more than it, or not comparable with it (a
    maximum in another currency, or not a number), so the library must agree to the cost."""
    maximum = None if quote is None else maximum_cost(request)
    if quote is None or maximum is None:
        return None
    within = maximum.amount is not None and maximum.currency == quote.currency
    return None if within and quote.amount <= maximum.amount else maximum  # type: ignore[operator]


def above_maximum(request: Request, quote: Quote | None) -> bool:
    """A charge the library has not agreed to: above its maximum cost, and no conditional reply
    (which states the cost) accepted since."""
    if exceeds_maximum(request, quote) is None:
        return False
    accepted = RequestEvent.objects.filter(request=request, action=Action.CONDITIONS_ACCEPTED)
    return not accepted.exists()


def cost_conditions(request: Request) -> str:
    """The conditional reply a charge above the maximum cost calls for ("" when none does):
    the desk proposes it, and accepting it is the library's agreement to the charge."""
    quote = None if request.is_duplication else likely_charge(request)
    maximum = exceeds_maximum(request, quote)
    if quote is None or maximum is None or not above_maximum(request, quote):
        return ""
    return (
        f"Supplying this request costs {quote}, above your maximum cost of {maximum}. "
        f"Accept these conditions to be charged {quote}."
    )


def charge_for_transition(request: Request, *, action: str, actor: Actor) -> Charge | None:
    """The charge a workflow move makes, if any; raises ChargeAboveMaximum to stop a supply the
    library has not agreed to pay for. Called inside the move's transaction."""
    if action == Action.QUOTE_APPROVED and request.quote_amount:
        approved = Quote(fee_service(request), request.quote_amount, _currency(request))
        return _charge(request, ChargeKind.QUOTE, approved, actor=actor)
    if action == Action.LOST:
        replacement = likely_charge(request, service=FeeService.LOST_LOAN)
        return _charge(request, ChargeKind.REPLACEMENT, replacement, actor=actor)
    if action in (Action.FILLED, Action.SHIPPED) and not request.is_duplication:
        supply = likely_charge(request)
        maximum = exceeds_maximum(request, supply)
        if supply is not None and maximum is not None and above_maximum(request, supply):
            raise ChargeAboveMaximum(request, supply, maximum)
        return _charge(request, ChargeKind.SUPPLY, supply, actor=actor)
    return None


def _currency(request: Request) -> str:
    fee = Fee.objects.filter(service=fee_service(request)).first()
    return fee.currency if fee else Fee._meta.get_field("currency").get_default()


def _charge(request: Request, kind: str, quote: Quote | None, *, actor: Actor) -> Charge | None:
    if quote is None:
        return None
    charge = Charge.objects.create(
        institution_id=request.institution_id,
        request=request,
        kind=kind,
        amount=quote.amount,
        currency=quote.currency,
        description=f"{ChargeKind(kind).label}: {FeeService(quote.service).label}",
        charged_on=timezone.localdate(),
    )
    ChargeEvent.objects.create(
        charge=charge, action=ChargeEvent.Action.CHARGED, amount=charge.amount, actor=_user(actor)
    )
    return charge


def _user(actor: Actor) -> User | None:
    """The user to record as who acted: none for the system (or a signed-out visitor)."""
    return cast(User, actor) if actor is not None and actor.is_authenticated else None


# --- Invoices --------------------------------------------------------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return month_of(month_of(day) - timedelta(days=1))


def issue_invoices(month: date, *, acting_user: Actor = None) -> list[Invoice]:
    """Invoice every charge made before the end of `month` and not yet invoiced: one invoice per
    institution and currency. Run again, it issues nothing twice."""
    end = (month_of(month) + timedelta(days=32)).replace(day=1)
    groups = (
        Charge.objects.uninvoiced_before(end)
        .values_list("institution_id", "currency")
        .distinct()
        .order_by("institution_id", "currency")
    )
    return [
        invoice
        for institution_id, currency in list(groups)
        if (invoice := _issue_one(institution_id, currency, month_of(month), end, acting_user))
    ]


def _issue_one(
    institution_id: int, currency: str, month: date, end: date, actor: Actor
) -> Invoice | None:
    with transaction.atomic():
        charges = list(
            Charge.objects.uninvoiced_before(end)
            .filter(institution_id=institution_id, currency=currency)
            .select_for_update()
        )
        taken = Invoice.objects.filter(
            institution_id=institution_id, month=month, currency=currency
        )
        if not charges or taken.exists():
            return None
        invoice = Invoice.objects.create(
            number=_next_number(),
            institution_id=institution_id,
            month=month,
            currency=currency,
            total=sum((charge.amount for charge in charges), ZERO),
        )
        Charge.objects.filter(pk__in=[c.pk for c in charges]).update(invoice=invoice)
        _record(charges, ChargeEvent.Action.INVOICED, f"Invoice {invoice.number}", actor)
    return invoice


def _next_number() -> int:
    sequence, _ = InvoiceSequence.objects.select_for_update().get_or_create(pk=1)
    number = sequence.next_number
    sequence.next_number = number + 1
    sequence.save(update_fields=["next_number"])
    return number


def _record(charges: list[Charge], action: str, note: str, actor: Actor) -> None:
    ChargeEvent.objects.bulk_create(
        ChargeEvent(charge=c, action=action, amount=c.amount, note=note, actor=_user(actor))
        for c in charges
    )


class Overpayment(Exception):
    """The payment is more than the invoice's open balance: nothing was recorded."""


def record_payment(
    invoice: Invoice,
    *,
    method: str,
    reference: str,
    amount: Decimal,
    received_on: date,
    acting_user: Actor,
) -> Payment:
    """Record a payment; the one that covers the balance closes the invoice and its charges."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if amount > locked.balance:
            raise Overpayment(
                f"Invoice {locked.number} has {locked.currency} {locked.balance} open; "
                f"a payment of {amount} is more than that. Nothing was recorded."
            )
        payment = Payment.objects.create(
            invoice=locked,
            method=method,
            reference=reference,
            amount=amount,
            received_on=received_on,
            recorded_by=_user(acting_user),
        )
        if locked.balance == 0:
            _close(locked, payment, acting_user)
    invoice.paid_at = locked.paid_at
    return payment


def _close(invoice: Invoice, payment: Payment, actor: Actor) -> None:
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["paid_at"])
    note = f"{payment.get_method_display()} {payment.reference}"
    _record(list(invoice.charges.all()), ChargeEvent.Action.PAID, note, actor)


def send_reminders(*, now: datetime) -> int:
    """Email a reminder of each invoice open FEES_REMINDER_DAYS after its issue or its last
    reminder; each is claimed by a conditional UPDATE, so two runs never remind twice."""
    before = now - timedelta(days=settings.FEES_REMINDER_DAYS)
    sent = 0
    for invoice_id in Invoice.objects.due_for_reminder(before).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Invoice.objects.due_for_reminder(before).filter(pk=invoice_id)
            if claimed.update(reminded_at=now):
                outbox.queue_email("invoice-reminder", target_id=invoice_id)
                sent += 1
    return sent


class DeskCharge(TypedDict):
    charges: list[Charge]
    likely_charge: Quote | None
    maximum_cost: Cost | None
    charge_above_maximum: bool
    billing: BillingInfo | None


def desk_context(request: Request) -> DeskCharge:
    """The desk page's charge panel: the request's charges, or what supplying it would charge
    and whether that is above the library's maximum cost; and how an ISO 18626 partner said it
    pays."""
    charges = list(Charge.objects.filter(request=request).select_related("invoice"))
    quote = None if charges or request.is_duplication else likely_charge(request)
    return {
        "charges": charges,
        "likely_charge": quote,
        "maximum_cost": maximum_cost(request) if quote else None,
        "charge_above_maximum": above_maximum(request, quote),
        "billing": billing_of(request),
    }
