"""Copyright workflows: decide and record a request, re-evaluate it, move its status. The names
the rest of the application calls, from the modules that do the work:

- `deciding`: the rule settings, the authority and the priors read, the rules applied; writes
  nothing (`precheck` is the live pre-check).
- `recording`: a new request's record and first decision, and the record's status.
- `reevaluation`: the clearance queue's actions, and held requests evaluated again when a slot
  is freed.

The request workflow calls `decide_new` and then `record_decided`, which writes the request's own
rows in the same statement, inside its own `transaction.atomic()`. The count and the write happen
in that one transaction under a lock for (institution, key, year), so two submissions can never
both take the fifth slot (docs/copyright.md section 6): on PostgreSQL an advisory transaction
lock; on SQLite the IMMEDIATE transaction already holds the write lock. On PostgreSQL the key is
derived before that lock is taken, so the locked count also reports whether staff changed the
title authority meanwhile, and the key is then derived again.
"""

from copyright_rules.deciding import (
    AuthorityChanged,
    as_entered_by,
    latest_plausible_year,
    load_priors,
    permission_needs_confirmation,
    precheck,
    rule_settings,
)
from copyright_rules.recording import (
    Decided,
    StaleRecordStatus,
    decide_new,
    record_decided,
    set_record_status,
)
from copyright_rules.reevaluation import (
    HeldReevaluation,
    confirm_key,
    correct_citation,
    mark_fee_paid,
    record_determination,
    record_permission,
    reevaluate_held_after_release,
    refuse_held,
    request_reevaluation,
    set_legal_hold,
)

__all__ = [
    "AuthorityChanged",
    "Decided",
    "HeldReevaluation",
    "StaleRecordStatus",
    "as_entered_by",
    "confirm_key",
    "correct_citation",
    "decide_new",
    "latest_plausible_year",
    "load_priors",
    "mark_fee_paid",
    "permission_needs_confirmation",
    "precheck",
    "record_decided",
    "record_determination",
    "record_permission",
    "reevaluate_held_after_release",
    "refuse_held",
    "request_reevaluation",
    "rule_settings",
    "set_legal_hold",
    "set_record_status",
]
