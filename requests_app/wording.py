"""How staff pages name things, in one place (docs/desk.md, "Staff wording").

The workflow's labels and the copyright decisions' explanations are written for the library
("Conditional reply: waiting for you", "This is your 3rd copy from ..."): the portal and the
emails show them as they are. The desk, the pull slips and the statistics speak about the library
instead, with the words here; a decision's flags are named, never shown as their codes."""

from __future__ import annotations

from copyright_rules.facts import Flag
from requests_app.models import Status, row_of


def staff_status(status: str) -> str:
    """A status as staff read it: the status table's staff label where the label speaks to the
    library (requests_app/models/status.py)."""
    return row_of(status).for_staff


STAFF_STATUS_CHOICES = [(status.value, staff_status(status)) for status in Status]

# Every flag a decision can carry (a test holds this table to the whole of Flag).
FLAGS = {
    Flag.UNVERIFIED_TITLE_KEY: "title key not verified: counted under the title as cited",
    Flag.STATEMENT_CORRECTED: "compliance statement corrected by the rules",
    Flag.REPEATED_ARTICLE: "article already supplied to this library this year",
    Flag.KEY_TO_CONFIRM: "title key to be confirmed by staff",
    Flag.PERMISSION_TO_CONFIRM: "the library's permission reference to be confirmed by staff",
    Flag.RIGHTS_TO_REVIEW: "rights to be reviewed by staff",
}


def staff_flag(flag: str) -> str:
    """A decision's flag as staff read it; a code no longer in Flag (an old decision) is shown
    as words rather than breaking the page."""
    try:
        return FLAGS[Flag(flag)]
    except (ValueError, KeyError):
        return flag.replace("_", " ")


# The decisions' sentences that address the library (copyright_rules/rules.py), as staff read
# them: `{library}` is the institution's symbol.
_ADDRESSED_TO_LIBRARY = (
    ("This is your ", "This is {library}'s "),
    ("This would be your ", "This would be {library}'s "),
    ("Your institution already received", "{library} already received"),
    ("Your institution already ordered", "{library} already ordered"),
    ("Your institution owns or subscribes", "{library} owns or subscribes"),
    ("Your permission reference ", "{library}'s permission reference "),
    ("made from your own collection", "made from its own collection"),
    (", and your fair-use note goes to staff", ", and the library's fair-use note is for staff"),
)


def for_staff(explanation: str, library: str) -> str:
    """A decision's explanation about the library rather than to it."""
    for said, meant in _ADDRESSED_TO_LIBRARY:
        explanation = explanation.replace(said, meant.format(library=library))
    return explanation
