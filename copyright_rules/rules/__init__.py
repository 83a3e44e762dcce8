"""The copyright rules: one pure function, `decide` (docs/copyright.md sections 3, 4 and 9), and
the retention dates of guideline 4 (docs/copyright.md section 7). No Django, no database: the
application and the conformance runner call the same function.

One module per group of rules, as docs/copyright.md section 4 orders them: `clearance` (R1, O1,
R2, R3, O2), `section108` (R4 to R7) and `counting` (R8 to R11); `decide` runs them in order on
the `case` of a request, whose `subject` (date, year, key, key doubt) is worked out once; `dates`
holds the date arithmetic.

Institutions: `decide` ignores a prior request whose `institution` differs from the request's, so
one institution's requests can never affect another's (CONTU guideline 1 counts per "requesting
entity"). A prior without an institution has been filtered by the caller (the database loads only
the institution's own); a request without one matches only such priors, never every institution's.
"""

from copyright_rules.rules.counting import inside_window
from copyright_rules.rules.dates import (
    local_date_and_year,
    retention_dates,
    retention_of_year,
    window_cutoff,
)
from copyright_rules.rules.decide import decide, decide_subject
from copyright_rules.rules.subject import (
    DEFAULT_SETTINGS,
    KeyDoubt,
    KnownTitle,
    Subject,
    describe,
    doubt_from_history,
    key_doubt,
    request_key,
)

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
    "request_key",
    "retention_dates",
    "retention_of_year",
    "window_cutoff",
]
