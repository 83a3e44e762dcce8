"""The copyright rules' vocabulary (docs/copyright.md sections 1-4 and 8): every enumerated value
of a request, a prior request and a decision, each with the one label map the application shows
and passes as `choices=`. Pure Python: no Django. `copyright_rules.facts` re-exports every name,
so callers import them with the facts."""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    LOAN = "loan"
    COPY = "copy"


SERVICE_LABELS: dict[Service, str] = {Service.LOAN: "Loan", Service.COPY: "Copy"}


class WorkKind(StrEnum):
    PERIODICAL = "periodical"
    NON_PERIODICAL = "non_periodical"


WORK_KIND_LABELS: dict[WorkKind, str] = {
    WorkKind.PERIODICAL: "Periodical article",
    WorkKind.NON_PERIODICAL: "Part of a non-periodical work",
}


class Statement(StrEnum):
    CCG = "CCG"
    CCL = "CCL"


STATEMENT_LABELS: dict[Statement, str] = {
    Statement.CCG: "CCG: complies with the CONTU guidelines",
    Statement.CCL: "CCL: complies with copyright law",
}


class Basis(StrEnum):
    OLDER_THAN_WINDOW = "older_than_window"
    OWN_COPY = "own_copy"
    PUBLIC_DOMAIN = "public_domain"
    FAIR_USE = "fair_use"


BASIS_LABELS: dict[Basis, str] = {
    Basis.OLDER_THAN_WINDOW: "Older than the five-year window",
    Basis.OWN_COPY: "Own copy not reasonably available",
    Basis.PUBLIC_DOMAIN: "Public domain",
    Basis.FAIR_USE: "Fair use",
}


class Material(StrEnum):
    TEXT = "text"
    MUSIC = "music"
    PICTORIAL = "pictorial"
    AUDIOVISUAL = "audiovisual"
    AUDIOVISUAL_NEWS = "audiovisual_news"


class Purpose(StrEnum):
    RESEARCH = "research"
    OTHER = "other"


class Extent(StrEnum):
    ONE_ARTICLE = "one_article"
    MULTIPLE_ARTICLES = "multiple_articles"
    ENTIRE_ISSUE = "entire_issue"
    ENTIRE_WORK = "entire_work"
    PART = "part"


class Rights(StrEnum):
    """What a reproduction order states of the rights in the item (docs/copyright.md section
    4, "Reproduction orders"): only an order relying on section 108 is a guideline copy."""

    SECTION_108 = "section_108"
    PUBLIC_DOMAIN = "public_domain"
    PERMISSION = "permission"
    UNKNOWN = "unknown"  # the customer takes responsibility: staff review the rights


class Status(StrEnum):
    ACCEPTED = "accepted"
    IN_PROCESS = "in_process"
    SHIPPED = "shipped"
    FILLED = "filled"
    CANCELLED = "cancelled"
    UNFILLED = "unfilled"
    REFUSED = "refused"
    REJECTED = "rejected"
    CONVERTED_TO_LOAN = "converted_to_loan"
    AWAITING_CLEARANCE = "awaiting_clearance"


STATUS_LABELS: dict[Status, str] = {
    Status.ACCEPTED: "Accepted",
    Status.IN_PROCESS: "In process",
    Status.SHIPPED: "Shipped",
    Status.FILLED: "Filled",
    Status.CANCELLED: "Cancelled",
    Status.UNFILLED: "Unfilled",
    Status.REFUSED: "Refused",
    Status.REJECTED: "Rejected",
    Status.CONVERTED_TO_LOAN: "Converted to a loan",
    Status.AWAITING_CLEARANCE: "Awaiting copyright clearance",
}


# docs/copyright.md section 1, "Holding a slot": accepted-but-not-final or filled requests hold
# a slot. CONTU guideline 1 counts "filled requests"; counting pending ones too reserves the slot
# so two requests in flight cannot both become the sixth copy.
HOLDING_SLOT: frozenset[str] = frozenset(
    {Status.ACCEPTED, Status.IN_PROCESS, Status.SHIPPED, Status.FILLED}
)
# The statuses of a copy the institution has received (or that is on its way).
SUPPLIED: frozenset[str] = frozenset({Status.SHIPPED, Status.FILLED})


class Outcome(StrEnum):
    ACCEPT_CCG = "ACCEPT_CCG"
    ACCEPT_CCL = "ACCEPT_CCL"
    NEEDS_PERMISSION = "NEEDS_PERMISSION"
    REFUSE = "REFUSE"
    REJECT_INCOMPLETE = "REJECT_INCOMPLETE"
    NOT_APPLICABLE = "NOT_APPLICABLE"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.ACCEPT_CCG: "Accepted (CCG)",
    Outcome.ACCEPT_CCL: "Accepted (CCL)",
    Outcome.NEEDS_PERMISSION: "Needs permission",
    Outcome.REFUSE: "Refused",
    Outcome.REJECT_INCOMPLETE: "Incomplete",
    Outcome.NOT_APPLICABLE: "Not applicable (loan)",
}


class Rule(StrEnum):
    R0 = "R0"
    R1 = "R1"
    O1 = "O1"
    O2 = "O2"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"
    R6 = "R6"
    R7 = "R7"
    R8 = "R8"
    R9 = "R9"
    R10 = "R10"
    R11 = "R11"


class Flag(StrEnum):
    UNVERIFIED_TITLE_KEY = "unverified_title_key"
    STATEMENT_CORRECTED = "statement_corrected"
    REPEATED_ARTICLE = "repeated_article"  # an order of an article already ordered this year
    KEY_TO_CONFIRM = "key_to_confirm"  # the cited title does not fit the key: staff confirm it
    PERMISSION_TO_CONFIRM = "permission_to_confirm"  # the library's reference waits for staff
    RIGHTS_TO_REVIEW = "rights_to_review"  # a reproduction order outside section 108


FLAG_LABELS: dict[Flag, str] = {
    Flag.UNVERIFIED_TITLE_KEY: "Title key not verified",
    Flag.STATEMENT_CORRECTED: "Statement corrected",
    Flag.REPEATED_ARTICLE: "Article already ordered",
    Flag.KEY_TO_CONFIRM: "Title to confirm",
    Flag.PERMISSION_TO_CONFIRM: "Permission to confirm",
    Flag.RIGHTS_TO_REVIEW: "Rights review",
}


class DeterminationKind(StrEnum):
    FAIR_USE = "fair_use"
    S108E = "s108e"
    # What staff found in the rights review of a reproduction order (docs/copyright.md 5).
    NO_KNOWN_RESTRICTIONS = "no_known_restrictions"
    PUBLIC_DOMAIN = "public_domain"


DETERMINATION_LABELS: dict[DeterminationKind, str] = {
    DeterminationKind.FAIR_USE: "Fair use (section 107)",
    DeterminationKind.S108E: "Section 108(e)",
    DeterminationKind.NO_KNOWN_RESTRICTIONS: "Rights review: no known restrictions",
    DeterminationKind.PUBLIC_DOMAIN: "Rights review: public domain",
}
