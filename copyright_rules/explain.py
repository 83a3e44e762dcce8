"""What a library reads about a copyright decision besides its one-sentence explanation
(docs/copyright.md section 3, "What the library is told"): the statement recorded when it is
not the one the library gave, and what the library can do about a held copy.

Pure: the request page and the emails render these sentences; the words are docs/copyright.md's.
"""

from __future__ import annotations

from copyright_rules.facts import canonical

from .facts import Flag, Outcome, Rule, Statement

_RECORDED: dict[str, Statement] = {
    Outcome.ACCEPT_CCG: Statement.CCG,
    Outcome.ACCEPT_CCL: Statement.CCL,
}
# Why a rule records another statement than the one given (docs/copyright.md section 4).
_BECAUSE: dict[str, str] = {
    Rule.O1: "staff recorded a fair-use (section 107), section 108(e) or rights review "
    "determination, which is lawful on a basis other than the guidelines",
    Rule.R2: "a permission is recorded: the copy is paid for or licensed, so it is supplied under "
    "the guidelines without using one of the five",
    Rule.R3: "the material is in the public domain, which is outside the guidelines",
    Rule.R9: "the issue was published more than five years before the request, so the CONTU "
    "guidelines do not apply to it",
    Rule.R10: "the article was published within the five-year window and is within the limit "
    "of five copies per title and year: it is a guideline copy and counts toward the five",
    Rule.R11: "a part of a book or other work within the limit of five copies per work is a "
    "guideline copy and counts toward the five",
}


def statement_recorded(given: str | None, outcome: str, rule: str) -> str | None:
    """ "You said CCG; recorded as CCL because ..." when the accepted copy is sent with another
    statement than the library gave; None when it is the same, or nothing is sent yet."""
    recorded = _RECORDED.get(outcome)
    said = canonical(Statement, given)
    if recorded is None or said is None or said is recorded:
        return None
    reason = _BECAUSE.get(rule) or f"rule {rule} of the copyright rules decided so"
    return f"You said {said}; recorded as {recorded} because {reason}."


_PERMISSION = (
    "Record a permission: a Copyright Clearance Center order number or the rights "
    "holder's permission, with its fee. Office staff confirm it."
)
_CANCEL = "Cancel the request: it then never counts."


def what_you_can_do(outcome: str, rule: str, flags: list[str]) -> tuple[str, ...]:
    """A held request's ways out, as the library can take them (docs/copyright.md section 5)."""
    if outcome != Outcome.NEEDS_PERMISSION:
        return ()
    if Flag.PERMISSION_TO_CONFIRM in flags:
        return (
            "Wait: office staff confirm your permission reference, and the copy is then "
            "supplied without counting.",
            _CANCEL,
        )
    if Flag.RIGHTS_TO_REVIEW in flags:
        return (
            "Wait: office staff review the rights in the item and then send a price "
            "quote, or tell you why they cannot supply it.",
            _PERMISSION,
            _CANCEL,
        )
    if Flag.KEY_TO_CONFIRM in flags:
        return (
            "Wait: office staff confirm which title this is, and the request is then "
            "decided again.",
            _CANCEL,
        )
    if rule in (Rule.R10, Rule.R11):
        return (
            _PERMISSION,
            "Wait: if one of the counted requests is cancelled or not filled, the office "
            "decides the held requests again, oldest first, and tells you by email.",
            _CANCEL,
        )
    return (_PERMISSION, _CANCEL)
