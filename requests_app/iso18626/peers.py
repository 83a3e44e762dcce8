"""What each partner's ILL system needs from our messages, and how each says yes or no: one row
per system, chosen by the partner profile's "ILL system" (`IsoPartner.quirks`). The outbox and
the action handlers read this table and nothing else about peers (docs/iso18626.md, "Peers").

The markers are the peers' own: ReShare's note specials (mod-rs `NoteSpecials`), and the words
Alma shows its staff and expects back (`ACCEPT`, `REJECT`), as the crosslink broker's shims
translate between them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from requests_app.iso18626.models import IsoPartner, Quirks

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


def peer_of(partner: IsoPartner | None) -> Peer:
    if partner is None:
        return PEERS[Quirks.STANDARD]
    return PEERS[Quirks(partner.quirks)]


class Answer(StrEnum):
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


def answer_in(note: str) -> Answer:
    """ReShare's agree or reject marker anywhere in the note; Alma's (and a person's) ACCEPT or
    REJECT as the whole note, in any case, punctuation around it ignored."""
    if RESHARE_REJECT in note:
        return Answer.REJECT
    if RESHARE_AGREE in note:
        return Answer.AGREE
    word = _EDGES.sub("", _SEQUENCE.sub("", note)).upper()
    return {"ACCEPT": Answer.AGREE, "REJECT": Answer.REJECT}.get(word, Answer.NONE)
