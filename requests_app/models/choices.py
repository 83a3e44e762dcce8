"""The vocabulary of a request: what was asked for, how it is answered and sent, and which
fields of the citation staff may correct."""

from __future__ import annotations

from enum import StrEnum

from django.db import models

from copyright_rules.facts import Rights


class RequestEmail(StrEnum):
    """Every email about a request, by the name of its templates (templates/emails/): the outbox
    row's `email`. requests_app/emails.py sends each (EMAILS); the copyright purge deletes the
    outbox rows of a purged request by these names (`Request.purged_with`)."""

    RECEIVED = "request-received"
    HELD = "request-held"
    RELEASED = "request-released"
    CONDITIONAL = "request-conditional"
    FILLED = "request-filled"
    SHIPPED = "loan-shipped"
    RENEWED = "loan-renewed"
    RECALLED = "loan-recalled"
    RENEWAL_DECLINED = "renewal-declined"
    RENEWAL_REQUESTED = "renewal-requested"
    QUOTE_SENT = "quote-sent"
    QUOTE_ANSWERED = "quote-answered"
    RETURNED = "loan-returned"
    REFUSED = "request-refused"
    CANCELLED = "request-cancelled"
    DUE_SOON = "loan-due-soon"
    OVERDUE_1 = "loan-overdue-1"
    OVERDUE_2 = "loan-overdue-2"
    OFFICE_MESSAGE = "office-message"
    LIBRARY_MESSAGE = "library-message"


class Service(models.TextChoices):
    LOAN = "loan", "Loan"
    COPY = "copy", "Copy"


class RequestType(models.TextChoices):
    """What the library asked for, in its own words: a copy of the office's own holdings is a
    reproduction order (`is_duplication`), not a copy request."""

    LOAN = "loan", "Loan request"
    COPY = "copy", "Copy request"
    REPRODUCTION = "reproduction", "Reproduction order"

    @property
    def service(self) -> str:
        """The service a request of this type is stored under."""
        return Service.LOAN if self is RequestType.LOAN else Service.COPY


# Each copyright outcome as a library reads it. Library pages and emails show these; only staff
# pages show the rule that decided (docs/copyright.md names the rules).
PLAIN_OUTCOMES: dict[str, str] = {
    "ACCEPT_CCG": "Accepted under CCG: within the CONTU guidelines",
    "ACCEPT_CCL": "Accepted under CCL: lawful on a basis other than the CONTU guidelines",
    "NEEDS_PERMISSION": "Held until copyright permission is obtained",
    "REFUSE": "Refused for copyright reasons",
    "REJECT_INCOMPLETE": "Incomplete: the citation needs more detail",
    "NOT_APPLICABLE": "No copyright check needed (a loan)",
}


class RefusalReason(models.TextChoices):
    NOT_OWNED = "not_owned", "Not owned by the office"
    IN_USE = "in_use", "In use"
    TOO_FRAGILE = "too_fragile", "Too fragile to lend or copy"
    COPYRIGHT = "copyright", "Copyright"
    POLICY = "policy", "Office policy"


class DeliveryMethod(models.TextChoices):
    ELECTRONIC = "electronic", "Electronic (PDF download)"
    MAIL = "mail", "Mailed"


class Carrier(models.TextChoices):
    USPS = "usps", "USPS"
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    DHL = "dhl", "DHL"
    COURIER = "courier", "Courier or library van"
    OTHER = "other", "Other"


class ReproductionFormat(models.TextChoices):
    """What the Library of Congress Duplication Services produce."""

    PAPER_PRINT = "paper_print", "Paper print"
    TIFF = "tiff", "TIFF image file"
    JPEG = "jpeg", "JPEG image file"
    PDF = "pdf", "PDF file"


class IntendedUse(models.TextChoices):
    PRIVATE_STUDY = "private_study", "Private study, scholarship or research"
    PUBLICATION = "publication", "Publication (print or online)"
    EXHIBITION = "exhibition", "Exhibition"
    BROADCAST = "broadcast", "Broadcast (film, television, streaming)"


class RightsStatus(models.TextChoices):
    """What the library states of the rights in the item: only an order for private study
    relying on section 108 is a guideline copy; the office reviews the rights of the others
    (docs/copyright.md section 4, "Reproduction orders")."""

    PUBLIC_DOMAIN = Rights.PUBLIC_DOMAIN, "No known restrictions: in the public domain"
    SECTION_108 = (
        Rights.SECTION_108,
        "Protected: a copy for private study, scholarship or research (section 108)",
    )
    PERMISSION = Rights.PERMISSION, "Protected, and we have the rights holder's permission"
    UNKNOWN = Rights.UNKNOWN, "Not known: we take responsibility, the office reviews the rights"


class WorkKind(models.TextChoices):
    PERIODICAL = "periodical", "An article from a journal, magazine or newspaper"
    NON_PERIODICAL = "non_periodical", "A chapter or part of a book or other work"


# The citation as staff may correct it on the desk (docs/desk.md, "Correcting a citation"), and
# which of its fields are facts the copyright rules decide on: the key (title, ISSN, ISBN, the
# holding's identifiers), the item (author, date, volume, issue, article) and the extent (pages).
CORRECTABLE_FIELDS = (
    "title",
    "article_title",
    "author",
    "publisher",
    "place",
    "publication_date",
    "edition",
    "volume",
    "issue",
    "pages",
    "total_pages",
    "issn",
    "isbn",
    "lccn",
    "oclc_number",
    "doi",
    "pmid",
)
COPYRIGHT_FACT_FIELDS = frozenset(
    {
        "title",
        "article_title",
        "author",
        "publication_date",
        "volume",
        "issue",
        "pages",
        "total_pages",
        "issn",
        "isbn",
    }
)
