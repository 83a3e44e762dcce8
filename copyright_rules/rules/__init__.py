"""The copyright rules: one pure function, `decide` (docs/copyright.md sections 3, 4 and 9), and
the retention dates of guideline 4 (docs/copyright.md section 7). No Django, no database: the
application and the conformance runner call the same function.

`case` works out what the rules read of a request once (date, year, key, key doubt: its
`Subject`) and the `Case` each rule reads; `decide` holds the rules of section 4, one function
each, in its order, and runs them.

Institutions: `decide` ignores a prior request whose `institution` differs from the request's, so
one institution's requests can never affect another's (CONTU guideline 1 counts per "requesting
entity"). A prior without an institution has been filtered by the caller (the database loads only
the institution's own); a request without one matches only such priors, never every institution's.
"""

from copyright_rules.rules.case import (
    DEFAULT_SETTINGS,
    KeyDoubt,
    KnownTitle,
    Subject,
    describe,
    doubt_from_history,
    inside_window,
    key_doubt,
    local_date_and_year,
    matching_titles,
    retention_dates,
    retention_of_year,
    window_cutoff,
)
from copyright_rules.rules.decide import decide, decide_subject

__all__ = [
    "DEFAULT_SETTINGS",
    "KeyDoubt",
    "KnownTitle",
    "Subject",
    "decide",
    "decide_subject",
    "describe",
    "doubt_from_history",
    "inside_window",
    "key_doubt",
    "local_date_and_year",
    "matching_titles",
    "retention_dates",
    "retention_of_year",
    "window_cutoff",
]
