"""The policy rules applied to new requests, and the clock's flags and counts (docs/policy.md).

Every change to a request goes through the desk's own services (requests_app.services): the
compare-and-set from "new" means a rule never overrides what staff did first."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from policy import rules
from policy.clock import WorkCalendar, office_calendar
from policy.models import (
    Attention,
    AttentionReason,
    PolicyRule,
    ResponseTime,
    RuleAction,
    RuleDecision,
    RuleSuggestion,
)
from requests_app import services as desk
from requests_app.models import RefusalReason, Request, Status, statuses
from requests_app.queues import COUNT_CAP

logger = logging.getLogger(__name__)

_ONE_DAY = date.resolution
# How far back the calendar reaches for the clock's queries: older new requests are late anyway.
_LOOKBACK = 400 * _ONE_DAY
# What an expired need-before date may refuse: nothing has gone out yet.
_UNFILLABLE = statuses(lambda row: row.suppliable)


# --- Rules ------------------------------------------------------------------------------------


def apply_rules(request_id: int) -> PolicyRule | None:
    """Note every matching suggestion and take the first matching action on a new request;
    returns the rule that acted. Runs after the submission commits."""
    request = Request.objects.filter(pk=request_id, status=Status.NEW).first()
    if request is None:
        return None
    partner_id = _partner_id(request)
    active = PolicyRule.objects.filter(active=True)
    suggested, acting = rules.decide(active, rules.facts_of(request, partner_id=partner_id))
    if not suggested and acting is None:
        return None
    try:
        with transaction.atomic():
            # Once per request, however often the task is delivered.
            _, first = RuleDecision.objects.get_or_create(
                request=request, defaults={"rule": acting}
            )
            if not first:
                return None
            for rule in suggested:
                _suggest(request, rule)
            if acting is not None:
                _ACTIONS[RuleAction(acting.action)](request, acting)
    except desk.StaleRequest:  # staff answered it first: nothing of this evaluation stays
        logger.info("policy rules: request %s changed first", request.pk)
        return None
    return acting


def _partner_id(request: Request) -> int | None:
    found = Request.objects.filter(pk=request.pk).values_list(
        "iso_transaction__partner_id", flat=True
    )
    return found.first()


def _suggestion(rule: PolicyRule) -> str:
    if rule.action == RuleAction.SUGGEST_CONDITION:
        return f'Policy rule "{rule.name}" suggests the condition: {rule.condition}'
    reason = RefusalReason(rule.refusal_reason).label
    return f'Policy rule "{rule.name}" suggests refusing it: {reason}. {rule.message}'.strip()


def _suggest(request: Request, rule: PolicyRule) -> None:
    text = _suggestion(rule)
    desk.add_staff_note(request, text=text, acting_user=None)
    RuleSuggestion.objects.update_or_create(
        request=request, rule=rule, defaults={"rule_name": rule.name, "text": text}
    )


def _applied(rule: PolicyRule) -> str:
    return f'Policy rule "{rule.name}" applied.'


def _condition(request: Request, rule: PolicyRule) -> None:
    desk.add_staff_note(request, text=_applied(rule), acting_user=None)
    desk.reply_conditionally(request, seen=Status.NEW, conditions=rule.condition, acting_user=None)


def _refuse(request: Request, rule: PolicyRule) -> None:
    desk.add_staff_note(request, text=_applied(rule), acting_user=None)
    desk.refuse_request(
        request,
        seen=Status.NEW,
        refusal_reason=rule.refusal_reason,
        reason=rule.message,
        acting_user=None,
    )


def _route(request: Request, rule: PolicyRule) -> None:
    desk.accept_request(request, seen=Status.NEW, acting_user=None, note=_applied(rule))


# What each acting rule does, through the desk's services (docs/policy.md, "Rules").
_ACTIONS: dict[RuleAction, Callable[[Request, PolicyRule], None]] = {
    RuleAction.APPLY_CONDITION: _condition,
    RuleAction.APPLY_REFUSAL: _refuse,
    RuleAction.ROUTE_IN_PROCESS: _route,
}


# --- When a rule changes ----------------------------------------------------------------------


def reevaluate_rule(rule_id: int) -> int:
    """After staff saved a rule: re-evaluate the open requests it now matches or no longer
    matches (docs/policy.md, "When a rule changes"). Returns how many were looked at."""
    rule = PolicyRule.objects.filter(pk=rule_id).first()
    if rule is None:
        return 0
    touched = requests_touched_by(rule)
    ids = sorted({*_new_requests_matching(rule), *touched.acted, *touched.suggested})
    active = list(PolicyRule.objects.filter(active=True))
    for request_id in ids:
        _reevaluate(request_id, active, changed=rule)
    return len(ids)


def reevaluate_removed(rule_name: str, *, acted: list[int], suggested: list[int]) -> int:
    """After staff deleted a rule: the open requests it acted on or had a suggestion standing
    on (listed before the deletion) are told so on their timelines."""
    ids = sorted(set(acted) | set(suggested))
    active = list(PolicyRule.objects.filter(active=True))
    for request_id in ids:
        _reevaluate(request_id, active, changed=None, removed=rule_name, acted=request_id in acted)
    return len(ids)


@dataclass(frozen=True)
class Touched:
    """The open requests a rule acted on, and those it has a suggestion standing on."""

    acted: list[int]
    suggested: list[int]


def requests_touched_by(rule: PolicyRule) -> Touched:
    open_ids = Request.objects.open().values("pk")
    noted = RuleSuggestion.objects.filter(rule=rule, request__in=open_ids)
    acted = RuleDecision.objects.filter(rule=rule, request__in=open_ids)
    return Touched(
        acted=sorted(acted.values_list("request_id", flat=True)),
        suggested=sorted(noted.values_list("request_id", flat=True)),
    )


def _new_requests_matching(rule: PolicyRule) -> list[int]:
    """New requests the rule matches now: its conditions in SQL, then the year, read from the
    text the library typed as `rules.matches` reads it."""
    if not rule.active:
        return []
    rows = Request.objects.filter(status=Status.NEW)
    if rule.request_type:
        rows = rows.of_type(rule.request_type)
    exact = {
        "work_kind": rule.work_kind,
        "institution_id": rule.institution_id,
        "iso_transaction__partner_id": rule.partner_id,
        "reproduction_format": rule.reproduction_format,
    }
    rows = rows.filter(**{field: value for field, value in exact.items() if value})
    found = rows.values_list("pk", "publication_date")
    if rule.published_before is None:
        return [pk for pk, _ in found]
    return [
        pk
        for pk, typed in found.iterator()
        if (year := rules.year_of(typed)) is not None and year < rule.published_before
    ]


def _reevaluate(
    request_id: int,
    active: list[PolicyRule],
    *,
    changed: PolicyRule | None,
    removed: str = "",
    acted: bool = False,
) -> None:
    """One request, under its row lock: suggestions that no longer stand are withdrawn and
    new ones noted; a rule that acted and no longer applies is recorded on the timeline (what
    it did stays); a request still new meets the rules as on submission."""
    try:
        with transaction.atomic():
            request = Request.objects.select_for_update().filter(pk=request_id).first()
            if request is None or request.status not in Request.OPEN_STATUSES:
                return
            facts = rules.facts_of(request, partner_id=_partner_id(request))
            suggested, acting = rules.decide(active, facts)
            if request.status != Status.NEW:  # answered: no new suggestion, no action
                kept = set(request.policy_suggestions.values_list("rule_id", flat=True))
                suggested, acting = [rule for rule in suggested if rule.pk in kept], None
            # Written first, so the submission's own evaluation, if still to come, does nothing.
            decision, _ = RuleDecision.objects.get_or_create(request=request)
            _update_suggestions(request, suggested)
            if removed and acted:
                _note(request, f'Policy rule "{removed}" was removed. {_STAYS}')
            elif decision.rule is not None:
                _no_longer_applies(request, decision, changed, facts)
            elif acting is not None:
                decision.rule = acting
                decision.save(update_fields=["rule"])
                _ACTIONS[RuleAction(acting.action)](request, acting)
    except desk.StaleRequest:
        logger.info("policy rules: request %s changed first", request_id)


_STAYS = "What it did stays: staff may change it."


def _update_suggestions(request: Request, suggested: list[PolicyRule]) -> None:
    now = {rule.pk: rule for rule in suggested}
    standing = set()
    for row in request.policy_suggestions.all():
        rule = now.get(row.rule_id) if row.rule_id is not None else None
        if rule is None:
            why = "was removed" if row.rule_id is None else "was changed and no longer suggests it"
            _note(request, f'Policy rule "{row.rule_name}" {why}: its suggestion is withdrawn.')
            row.delete()
            continue
        standing.add(rule.pk)
        if row.text != _suggestion(rule):
            _suggest(request, rule)
    for rule in suggested:
        if rule.pk not in standing:
            _suggest(request, rule)


def _no_longer_applies(
    request: Request, decision: RuleDecision, changed: PolicyRule | None, facts: rules.Facts
) -> None:
    rule = decision.rule
    if rule is None or (changed is not None and rule.pk != changed.pk):
        return
    acts = rule.action not in RuleAction.suggestions()
    if rule.active and acts and rules.matches(rule, facts):
        return
    _note(request, f'Policy rule "{rule.name}" was changed and no longer applies. {_STAYS}')
    # Once told: the decision no longer names a rule that applies.
    decision.rule = None
    decision.save(update_fields=["rule"])


def _note(request: Request, text: str) -> None:
    desk.add_staff_note(request, text=text, acting_user=None)


# --- The clock --------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _received_before(calendar: WorkCalendar, answer_day: date) -> Q:
    """New requests due on or before `answer_day`, for every timed service."""
    due = Q(pk__in=[])
    for timed in ResponseTime.objects.all():
        last = calendar.received_by(answer_day, timed.working_days)
        rows = Request.objects.of_type(timed.request_type)
        due |= Q(pk__in=rows.values("pk"), created_at__lt=_start_of(last + _ONE_DAY))
    return due & Q(status=Status.NEW)


@dataclass(frozen=True)
class ClockCounts:
    due_today: int
    overdue: int
    need_by_passed: int


def clock_counts(today: date) -> ClockCounts:
    """What the staff home shows: new requests due today and overdue, and open requests whose
    need-before date has passed; like the desk's tabs, each count stops at COUNT_CAP + 1."""
    calendar = office_calendar(today - _LOOKBACK, today)
    by_today = Request.objects.filter(_received_before(calendar, today))
    late = by_today.filter(_received_before(calendar, today - _ONE_DAY))
    return ClockCounts(
        due_today=_bounded(by_today.exclude(pk__in=late.values("pk"))),
        overdue=_bounded(late),
        need_by_passed=_bounded(_need_by_passed(today)),
    )


def _bounded(rows: QuerySet[Request]) -> int:
    return rows[: COUNT_CAP + 1].count()


def _need_by_passed(today: date) -> QuerySet[Request]:
    return Request.objects.open().filter(need_by__lt=today)


def with_aging(rows: Iterable[Request], today: date) -> list[Request]:
    """Set `working_days_open` on each request listed (one calendar for the page)."""
    listed = list(rows)
    if listed:
        start = min(timezone.localdate(item.created_at) for item in listed)
        calendar = office_calendar(start, today)
        for item in listed:
            days = calendar.working_days_between(timezone.localdate(item.created_at), today)
            # An attribute for the queue's template, not a field.
            setattr(item, "working_days_open", days)  # noqa: B010
    return listed


def flag_requests(today: date) -> int:
    """Flag new requests answered late and open requests past their need-before date (or refuse
    those, when the office chose so); unflag what no longer needs attention. Returns how many
    flags were added."""
    calendar = office_calendar(today - _LOOKBACK, today)
    late = Request.objects.filter(_received_before(calendar, today - _ONE_DAY))
    added = _flag(late, AttentionReason.LATE)
    passed = _need_by_passed(today)
    if settings.POLICY_UNFILL_PASSED_NEED_BY:
        _unfill(passed.filter(status__in=_UNFILLABLE))
    added += _flag(passed, AttentionReason.NEED_BY_PASSED)
    return added


def _flag(due: QuerySet[Request], reason: AttentionReason) -> int:
    Attention.objects.filter(reason=reason).exclude(request__in=due).delete()
    flagged = Attention.objects.filter(reason=reason).values("request_id")
    unflagged = due.exclude(pk__in=flagged).values_list("pk", flat=True)
    new = [Attention(request_id=pk, reason=reason) for pk in unflagged]
    Attention.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _unfill(rows: QuerySet[Request]) -> None:
    for request in rows:
        text = f"Not supplied by the need-before date, {request.need_by:%Y-%m-%d}."
        try:
            desk.refuse_request(
                request,
                seen=request.status,
                refusal_reason=RefusalReason.POLICY,
                reason=text,
                acting_user=None,
            )
        except desk.StaleRequest:
            continue
