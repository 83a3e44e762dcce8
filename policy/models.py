"""The office's lending policy as data (rules staff keep in the admin) and what its clock needs:
days to respond per service, the days the office is closed, and the requests flagged for
attention (docs/policy.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from requests_app.models import RefusalReason, ReproductionFormat, RequestType, WorkKind


class RuleAction(models.TextChoices):
    """What a matching rule does. A suggestion is a staff note on the timeline; the others act
    through the desk's own services (docs/policy.md, "Rules")."""

    SUGGEST_CONDITION = "suggest_condition", "Suggest a condition"
    APPLY_CONDITION = "apply_condition", "Apply a condition (a conditional reply)"
    SUGGEST_REFUSAL = "suggest_refusal", "Suggest a refusal"
    APPLY_REFUSAL = "apply_refusal", "Refuse"
    ROUTE_IN_PROCESS = "route_in_process", "Route to the In process queue"

    @classmethod
    def with_condition(cls) -> tuple[str, ...]:
        return (cls.SUGGEST_CONDITION, cls.APPLY_CONDITION)

    @classmethod
    def with_refusal(cls) -> tuple[str, ...]:
        return (cls.SUGGEST_REFUSAL, cls.APPLY_REFUSAL)

    @classmethod
    def suggestions(cls) -> tuple[str, ...]:
        return (cls.SUGGEST_CONDITION, cls.SUGGEST_REFUSAL)


class PolicyRule(models.Model):
    """When a new request matches every condition given (an empty one matches anything), the
    action is taken. Rules are read in `priority` order; every matching suggestion is noted, and
    the first matching rule that acts is the only one that acts."""

    Action = RuleAction

    name = models.CharField(max_length=200, unique=True, help_text="Named on the timeline.")
    active = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(default=100, help_text="Lower runs first.")
    request_type = models.CharField(
        "service", max_length=16, choices=RequestType.choices, blank=True
    )
    work_kind = models.CharField("material", max_length=16, choices=WorkKind.choices, blank=True)
    published_before = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A year: matches items whose date of publication is earlier. An item without"
        " a year never matches.",
    )
    institution = models.ForeignKey(
        "registration.Institution", on_delete=models.CASCADE, null=True, blank=True
    )
    partner = models.ForeignKey(
        "requests_app.IsoPartner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name="ISO 18626 partner",
        help_text="Matches only requests that partner sent.",
    )
    reproduction_format = models.CharField(
        "format", max_length=12, choices=ReproductionFormat.choices, blank=True
    )
    action = models.CharField(max_length=20, choices=RuleAction.choices)
    condition = models.CharField(
        max_length=300, blank=True, help_text='The condition, e.g. "Library use only".'
    )
    refusal_reason = models.CharField(max_length=16, choices=RefusalReason.choices, blank=True)
    message = models.CharField(
        max_length=300, blank=True, help_text="The reason a refusal gives the library."
    )

    class Meta:
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=RuleAction.values), name="policyrule_action_valid"
            ),
            models.CheckConstraint(
                condition=~Q(action__in=RuleAction.with_condition()) | ~Q(condition=""),
                name="policyrule_condition_given",
                violation_error_message="Give the condition this rule suggests or applies.",
            ),
            models.CheckConstraint(
                condition=~Q(action__in=RuleAction.with_refusal())
                | Q(refusal_reason__in=RefusalReason.values),
                name="policyrule_refusal_reason_given",
                violation_error_message="Choose the refusal reason this rule suggests or gives.",
            ),
            models.CheckConstraint(
                condition=Q(request_type__in=[*RequestType.values, ""])
                & Q(work_kind__in=[*WorkKind.values, ""])
                & Q(reproduction_format__in=[*ReproductionFormat.values, ""]),
                name="policyrule_choices_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleDecision(models.Model):
    """That the rules were applied to a request, and the rule that acted (none when only
    suggestions matched, or nothing): written with the decision's events, once per request."""

    request = models.OneToOneField(
        "requests_app.Request", on_delete=models.CASCADE, related_name="policy_decision"
    )
    rule = models.ForeignKey(
        PolicyRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text="Empty when no rule acted, or the rule was deleted since.",
    )
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Request {self.request_id}: {self.rule or 'no rule acted'}"


class RuleSuggestion(models.Model):
    """A rule's suggestion standing on a request, as its staff note said it: withdrawn (with a
    note) or noted again when staff change the rule (docs/policy.md, "When a rule changes")."""

    request = models.ForeignKey(
        "requests_app.Request", on_delete=models.CASCADE, related_name="policy_suggestions"
    )
    rule = models.ForeignKey(
        PolicyRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text="Empty once the rule is deleted: the next evaluation withdraws it.",
    )
    rule_name = models.CharField(max_length=200)
    text = models.CharField(max_length=1000, help_text="The staff note that made it.")
    noted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "rule"], name="rulesuggestion_one_per_rule")
        ]

    def __str__(self) -> str:
        return f"Request {self.request_id}: {self.rule_name}"


class ResponseTime(models.Model):
    """How many of the office's working days a new request of one service may wait for an
    answer. A service without a row is not timed."""

    request_type = models.CharField(
        "service", max_length=16, choices=RequestType.choices, unique=True
    )
    working_days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(request_type__in=RequestType.values),
                name="responsetime_request_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(working_days__gte=1),
                name="responsetime_at_least_one_day",
                violation_error_message="A request needs at least one working day to respond.",
            ),
        ]

    def __str__(self) -> str:
        return f"{RequestType(self.request_type).label}: {self.working_days} working days"


class Closure(models.Model):
    """A day the office is closed besides weekends and US federal holidays (a snow day, an
    inventory week): the clock does not count it."""

    day = models.DateField(unique=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.note or 'closed'}"


class AttentionReason(models.TextChoices):
    LATE = "late", "Not answered within its days to respond"
    NEED_BY_PASSED = "need_by_passed", "Its need-before date has passed"


class Attention(models.Model):
    """A request the clock flagged as needing attention; the periodic job adds and removes these
    rows (policy.services.flag_requests)."""

    Reason = AttentionReason

    request = models.ForeignKey(
        "requests_app.Request", on_delete=models.CASCADE, related_name="attention"
    )
    reason = models.CharField(max_length=16, choices=AttentionReason.choices)
    flagged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["flagged_at", "pk"]
        verbose_name = "request needing attention"
        verbose_name_plural = "requests needing attention"
        constraints = [
            models.UniqueConstraint(fields=["request", "reason"], name="attention_unique"),
            models.CheckConstraint(
                condition=Q(reason__in=AttentionReason.values), name="attention_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.request_id}: {self.get_reason_display()}"
