"""The copyright app's tables: the title authority (`authority`), the guideline 4 record of
each request (`record`) and its history of decisions and status changes (`log`). The rules
themselves live in `rules/` (pure, no database); these store what they decided. The enumerated
values and their labels are the rule engine's (`copyright_rules/facts.py`, `keys.py`)."""

from copyright_rules.keys import IdentifierKind
from copyright_rules.models.authority import (
    AUTHORITY_LOCK_ID,
    AuthorityVersion,
    TitleGroup,
    TitleGroupKind,
    TitleIdentifier,
)
from copyright_rules.models.log import Decision, RecordStatusChange
from copyright_rules.models.record import (
    LEGAL_DETERMINATIONS,
    PURGE_PROTECTIONS,
    RIGHTS_FINDINGS,
    Record,
    RecordIdentifier,
    RecordQuerySet,
    protect_from_purge,
)

__all__ = [
    "AUTHORITY_LOCK_ID",
    "LEGAL_DETERMINATIONS",
    "PURGE_PROTECTIONS",
    "RIGHTS_FINDINGS",
    "AuthorityVersion",
    "Decision",
    "IdentifierKind",
    "Record",
    "RecordIdentifier",
    "RecordQuerySet",
    "RecordStatusChange",
    "TitleGroup",
    "TitleGroupKind",
    "TitleIdentifier",
    "protect_from_purge",
]
