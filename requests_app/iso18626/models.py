"""ISO 18626 partners, the link between a partner's request id and ours, and the message log.

The log is also the outbox of outgoing messages: a `supplyingAgencyMessage` row is written in the
transaction that changes the request, and sent after commit, oldest first per request
(docs/iso18626.md)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone


class Quirks(models.TextChoices):
    """The partner's ILL system: what each one needs is its row of PEERS."""

    STANDARD = "standard", "Follows the standard"
    RESHARE = "reshare", "Project ReShare (mod-rs) or the crosslink broker"
    ALMA = "alma", "Ex Libris Alma or Rapido"
    ILLIAD = "illiad", "ILLiad"
    TIPASA = "tipasa", "OCLC Tipasa"
    KOHA = "koha", "Koha (ISO 18626 plugin)"


# --- Peers: what each ILL system needs from our messages, and how each says yes or no -------------
#
# One row per system, chosen by the partner profile's "ILL system" (`IsoPartner.quirks`); the
# messages and the action handlers read this table and nothing else about peers
# (docs/iso18626.md, "Peers"). The markers are the peers' own: ReShare's note specials (mod-rs
# `NoteSpecials`), and the words Alma shows its staff and expects back (`ACCEPT`, `REJECT`), as
# the crosslink broker's shims translate between them.

# ReShare numbers the notes it sends (`#seq:12#`); the number means nothing to staff.
_SEQUENCE = re.compile(r"#seq:\d+#")
_EDGES = re.compile(r"^\W+|\W+$")

RESHARE_ADD_CONDITION = "#ReShareAddLoanCondition#"
RESHARE_AWAITING_CONDITIONS = "#ReShareSupplierAwaitingConditionConfirmation#"
RESHARE_AGREE = "#ReShareLoanConditionAgreeResponse#"
RESHARE_REJECT = "#ReShareLoanConditionRejectResponse#"
ALMA_AWAITING_CONDITIONS = "Conditions pending approval, please respond `ACCEPT` or `REJECT`"
_RESHARE_MARKERS = (
    RESHARE_ADD_CONDITION,
    RESHARE_AWAITING_CONDITIONS,
    RESHARE_AGREE,
    RESHARE_REJECT,
)


@dataclass(frozen=True)
class Peer:
    """One ILL system's needs.

    - `expect_to_supply`: it can show the status ExpectToSupply (Alma cannot: WillSupply);
    - `notes_on_notification`: it shows a note only on a Notification, so every message whose
      note matters is followed by a Notification carrying it (Alma);
    - `conditions_prefix`/`conditions_suffix`: how a conditional offer's note is marked so the
      peer asks its staff to agree (ReShare's specials, Alma's request for ACCEPT or REJECT);
    - `terms_in_note`: the loan condition and the price are also spelled out in the note,
      "Condition: ..., Cost: 12.50 USD" (Alma shows no `loanCondition` or `offeredCosts`);
    - `return_address_in_note`: a Loaned message repeats the return address in the note."""

    expect_to_supply: bool = True
    notes_on_notification: bool = False
    conditions_prefix: str = ""
    conditions_suffix: str = ""
    terms_in_note: bool = False
    return_address_in_note: bool = False


PEERS: dict[Quirks, Peer] = {
    Quirks.STANDARD: Peer(),
    Quirks.RESHARE: Peer(
        conditions_prefix=RESHARE_ADD_CONDITION, conditions_suffix=RESHARE_AWAITING_CONDITIONS
    ),
    Quirks.ALMA: Peer(
        expect_to_supply=False,
        notes_on_notification=True,
        conditions_suffix=ALMA_AWAITING_CONDITIONS,
        terms_in_note=True,
        return_address_in_note=True,
    ),
    Quirks.ILLIAD: Peer(),
    Quirks.TIPASA: Peer(),
    Quirks.KOHA: Peer(),
}


class OfferAnswer(StrEnum):
    """What a partner's note says about a conditional offer or a price quote."""

    AGREE = "agree"
    REJECT = "reject"
    NONE = "none"


def clean_note(note: str) -> str:
    """A partner's note as staff should read it: without ReShare's sequence numbers and
    system markers."""
    text = _SEQUENCE.sub("", note)
    for marker in _RESHARE_MARKERS:
        text = text.replace(marker, "")
    return " ".join(text.split())


def answer_in(note: str) -> OfferAnswer:
    """ReShare's agree or reject marker anywhere in the note; Alma's (and a person's) ACCEPT or
    REJECT as the whole note, in any case, punctuation around it ignored."""
    if RESHARE_REJECT in note:
        return OfferAnswer.REJECT
    if RESHARE_AGREE in note:
        return OfferAnswer.AGREE
    word = _EDGES.sub("", _SEQUENCE.sub("", note)).upper()
    return {"ACCEPT": OfferAnswer.AGREE, "REJECT": OfferAnswer.REJECT}.get(word, OfferAnswer.NONE)


class IsoPartner(models.Model):
    """A verified institution allowed to send requests from its own ILL system."""

    Quirks = Quirks

    institution = models.OneToOneField(
        "registration.Institution", on_delete=models.CASCADE, related_name="iso_partner"
    )
    agency_id_type = models.CharField(
        "agency id type", max_length=20, help_text="OCLC or ISIL, as the partner sends it."
    )
    agency_id_value = models.CharField("agency id value", max_length=50)
    address = models.URLField(
        "message address", max_length=500, help_text="Where we POST this partner's messages."
    )
    account_id = models.CharField(
        max_length=100, blank=True, help_text="requestingAgencyAuthentication/accountId."
    )
    security_code_hash = models.CharField(max_length=200, blank=True, editable=False)
    header_token_hash = models.CharField(max_length=200, blank=True, editable=False)
    quirks = models.CharField(
        "ILL system",
        max_length=12,
        choices=Quirks.choices,
        default=Quirks.STANDARD,
        help_text='Decides what our messages carry for this peer (docs/iso18626.md, "Peers").',
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency_id_type", "agency_id_value"]
        # Setting a partner's credentials lets one act as that library: office managers only,
        # not the request staff who may change everything else in requests_app (illdesk/roles.py).
        permissions = [("manage_isopartner", "Can set up ISO 18626 partners and credentials")]
        constraints = [
            models.UniqueConstraint(
                Upper("agency_id_type"), Upper("agency_id_value"), name="iso_partner_agency_unique"
            ),
            models.CheckConstraint(
                condition=Q(quirks__in=Quirks.values), name="iso_partner_quirks_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id_type}:{self.agency_id_value} ({self.institution.oclc_symbol})"

    @property
    def peer(self) -> Peer:
        """What the partner's ILL system needs (PEERS)."""
        return PEERS[Quirks(self.quirks)]

    def set_security_code(self, code: str) -> None:
        self.security_code_hash = make_password(code) if code else ""

    def set_header_token(self, token: str) -> None:
        # A generated machine token of MIN_TOKEN_LENGTH or more characters cannot be guessed,
        # so a plain SHA-256 keeps it safe at rest without an Argon2 cost on every message.
        self.header_token_hash = _token_digest(token) if token else ""

    @property
    def has_credentials(self) -> bool:
        return bool(self.security_code_hash or self.header_token_hash)

    def authenticates(self, *, account_id: str, security_code: str, header_token: str) -> bool:
        """Every configured credential must match; a partner without any is never accepted.
        The security code is always hashed, so a wrong account id costs what a wrong code
        costs and the account id cannot be found by timing. A profile with a header token only
        is checked by its digest, which costs nothing; a failure then spends the Argon2 work,
        so its agency id answers no sooner than an unknown one."""
        if self.security_code_hash:
            code_ok = check_password(security_code, self.security_code_hash)
            if not (hmac.compare_digest(account_id.encode(), self.account_id.encode()) and code_ok):
                return False
        elif not (
            self.header_token_hash
            and hmac.compare_digest(_token_digest(header_token), self.header_token_hash)
        ):
            spend_a_code_check(security_code)
            return False
        if not self.header_token_hash:
            return True
        return hmac.compare_digest(_token_digest(header_token), self.header_token_hash)


def spend_a_code_check(security_code: str) -> None:
    """The Argon2 work of a security-code check, for a sender that is no partner: an unknown
    agency id answers no sooner than a known one with a wrong code (as Django's ModelBackend
    hashes the password of a user that does not exist)."""
    check_password(security_code, _dummy_hash())


@cache
def _dummy_hash() -> str:
    return make_password(secrets.token_urlsafe(16))


MIN_TOKEN_LENGTH = 32


def _token_digest(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


class IsoTransaction(models.Model):
    """One partner request that became one of our requests: the idempotency key
    (partner, requesting_agency_request_id) and the confirmation replayed for a duplicate."""

    partner = models.ForeignKey(IsoPartner, on_delete=models.PROTECT, related_name="transactions")
    request = models.OneToOneField(
        "requests_app.Request", on_delete=models.CASCADE, related_name="iso_transaction"
    )
    requesting_agency_request_id = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request's content.")
    confirmation = models.TextField(help_text="The requestConfirmation we answered.")
    cancel_asked = models.BooleanField(
        default=False, help_text="The partner asked to cancel; staff have not answered yet."
    )
    confirming_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A message of the partner about this request is being answered since then: "
        "nothing is sent about it before the confirmation has gone back.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "requesting_agency_request_id"], name="iso_transaction_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner.agency_id_value} {self.requesting_agency_request_id}"


class Direction(models.TextChoices):
    IN = "in", "Received"
    OUT = "out", "Sent"


class Delivery(models.TextChoices):
    """An outgoing message's state in the outbox; incoming messages stay `received`."""

    RECEIVED = "received", "Received"
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent, confirmed OK"
    REJECTED = "rejected", "Sent, the partner answered ERROR"
    FAILED = "failed", "Not delivered after every attempt"


def dating_zone() -> str:
    """The zone that dates a message, stored with it: COPYRIGHT_TIME_ZONE, which dates the
    copyright records too (docs/copyright.md section 10, ruling 10)."""
    return str(settings.COPYRIGHT_TIME_ZONE)


class IsoMessage(models.Model):
    """Every message in and out, raw and parsed, with its confirmation. A message that failed
    authentication is no record of anything: only its metadata is kept (`authenticated` False,
    `raw` and `parsed` empty), for ISO18626_UNAUTHENTICATED_DAYS (docs/iso18626.md)."""

    Direction = Direction
    Delivery = Delivery

    partner = models.ForeignKey(
        IsoPartner, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    request = models.ForeignKey(
        "requests_app.Request",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="iso_messages",
        help_text="Purged with the request.",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=40, help_text="The message element, e.g. request.")
    summary = models.CharField(max_length=200, blank=True)
    raw = models.TextField()
    parsed = models.JSONField(default=dict)
    problems = models.JSONField(default=list, help_text="Where the message departs from v1.2.")
    confirmation = models.TextField(blank=True)
    message_status = models.CharField(max_length=5, blank=True, help_text="OK or ERROR.")
    error = models.CharField(max_length=300, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.RECEIVED)
    authenticated = models.BooleanField(
        default=True, help_text="False: the sender was no partner; only metadata is kept."
    )
    claimed_agency = models.CharField(
        max_length=100, blank=True, help_text="requestingAgencyId as sent: type:value."
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Bytes received.")
    digest = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the body received.")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    time_zone = models.CharField(
        max_length=64,
        default=dating_zone,
        editable=False,
        help_text="The zone that dated the message: a message no request holds is purged by "
        "the date in this zone.",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="isomessage_request"),
            models.Index(fields=["delivery", "next_attempt_at"], name="isomessage_outbox"),
            models.Index(fields=["partner", "created_at"], name="isomessage_partner_quota"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="isomessage_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values), name="isomessage_delivery_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction="in", delivery="received")
                | Q(direction="out", request__isnull=False) & ~Q(delivery="received"),
                name="isomessage_outgoing_has_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
