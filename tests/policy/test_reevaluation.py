"""When staff change a rule in the admin, the open requests it now matches or no longer matches
are re-evaluated after commit: suggestions are noted or withdrawn, a request still new meets the
rule as on submission, and what a rule already did stays, recorded on the timeline
(docs/policy.md, "When a rule changes")."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from policy import services
from policy.models import PolicyRule, RuleAction, RuleSuggestion
from registration.models import Institution
from requests_app import services as desk
from requests_app.models import Action, Request, Status
from tests.requests_app.factories import make_loan

pytestmark = pytest.mark.django_db

SUGGESTION = {
    "name": "Fragile bindings",
    "active": "on",
    "priority": "10",
    "request_type": "loan",
    "published_before": "1900",
    "action": RuleAction.SUGGEST_CONDITION,
    "condition": "Ship in a box",
}
CONDITION = {
    **SUGGESTION,
    "name": "Pre-1900 imprints: library use only",
    "priority": "20",
    "action": RuleAction.APPLY_CONDITION,
    "condition": "Library use only",
}


def loan_of(institution: Institution, year: str) -> Request:
    return make_loan(institution, title=f"Printed in {year}", publication_date=year)


def notes(item: Request) -> list[str]:
    return list(item.events.filter(action=Action.STAFF_NOTE).values_list("staff_note", flat=True))


def save(
    admin: Client, on_commit: Any, data: dict[str, str], rule: PolicyRule | None = None
) -> Any:
    url = (
        reverse("admin:policy_policyrule_change", args=[rule.pk])
        if rule
        else reverse("admin:policy_policyrule_add")
    )
    with on_commit(execute=True):
        response = admin.post(url, data)
    assert response.status_code == 302, response.content
    return response


def test_a_new_rule_conditions_the_pre_1900_loans_already_waiting(
    admin_client: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    old, recent = loan_of(institution, "1855"), loan_of(institution, "1950")
    answered = loan_of(institution, "1860")
    desk.accept_request(answered, seen=Status.NEW, acting_user=None)

    save(admin_client, django_capture_on_commit_callbacks, CONDITION)

    old.refresh_from_db()
    assert (old.status, old.conditions) == (Status.CONDITIONAL, "Library use only")
    assert notes(old) == ['Policy rule "Pre-1900 imprints: library use only" applied.']
    assert Request.objects.get(pk=recent.pk).status == Status.NEW and not notes(recent)
    assert Request.objects.get(pk=answered.pk).status == Status.IN_PROCESS
    assert not notes(answered)


def test_a_changed_suggestion_is_noted_where_it_now_matches_and_withdrawn_where_it_no_longer_does(
    admin_client: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    save(admin_client, django_capture_on_commit_callbacks, SUGGESTION)
    rule = PolicyRule.objects.get()
    old, twenties = loan_of(institution, "1855"), loan_of(institution, "1925")
    services.apply_rules(old.pk)
    services.apply_rules(twenties.pk)
    suggests = 'Policy rule "Fragile bindings" suggests the condition: '
    assert (notes(old), notes(twenties)) == ([suggests + "Ship in a box"], [])

    save(
        admin_client,
        django_capture_on_commit_callbacks,
        {**SUGGESTION, "published_before": "1930"},
        rule,
    )
    assert notes(old) == [suggests + "Ship in a box"]  # still stands: not noted twice
    assert notes(twenties) == [suggests + "Ship in a box"]

    save(
        admin_client,
        django_capture_on_commit_callbacks,
        {**SUGGESTION, "published_before": "1900", "condition": "Ship flat"},
        rule,
    )
    withdrawn = (
        'Policy rule "Fragile bindings" was changed and no longer suggests it: '
        "its suggestion is withdrawn."
    )
    assert notes(old) == [suggests + "Ship in a box", suggests + "Ship flat"]
    assert notes(twenties) == [suggests + "Ship in a box", withdrawn]
    assert list(RuleSuggestion.objects.values_list("request_id", "text")) == [
        (old.pk, suggests + "Ship flat")
    ]
    assert Request.objects.filter(status=Status.NEW).count() == 2


def test_an_applied_condition_stays_when_its_rule_no_longer_matches_and_the_timeline_says_so(
    admin_client: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    save(admin_client, django_capture_on_commit_callbacks, CONDITION)
    rule = PolicyRule.objects.get()
    loan = loan_of(institution, "1855")
    services.apply_rules(loan.pk)

    for year in ("1800", "1700"):  # told once
        save(
            admin_client,
            django_capture_on_commit_callbacks,
            {**CONDITION, "published_before": year},
            rule,
        )

    loan.refresh_from_db()
    assert (loan.status, loan.conditions) == (Status.CONDITIONAL, "Library use only")
    assert notes(loan) == [
        'Policy rule "Pre-1900 imprints: library use only" applied.',
        'Policy rule "Pre-1900 imprints: library use only" was changed and no longer applies. '
        "What it did stays: staff may change it.",
    ]


def test_deleting_rules_withdraws_their_suggestions_and_records_what_they_did(
    admin_client: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    save(admin_client, django_capture_on_commit_callbacks, {**SUGGESTION, "request_type": ""})
    save(admin_client, django_capture_on_commit_callbacks, CONDITION)
    conditioned = loan_of(institution, "1855")
    services.apply_rules(conditioned.pk)
    assert len(notes(conditioned)) == 2  # the suggestion, then the condition applied

    rules = PolicyRule.objects.order_by("pk")
    changelist = reverse("admin:policy_policyrule_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            changelist,
            {"action": "delete_selected", "_selected_action": [r.pk for r in rules], "post": "yes"},
        )

    assert not PolicyRule.objects.exists()
    conditioned.refresh_from_db()
    assert conditioned.status == Status.CONDITIONAL
    assert notes(conditioned)[2:] == [
        'Policy rule "Fragile bindings" was removed: its suggestion is withdrawn.',
        'Policy rule "Pre-1900 imprints: library use only" was removed. '
        "What it did stays: staff may change it.",
    ]
    assert not RuleSuggestion.objects.exists()


def test_deleting_one_rule_from_its_page_is_re_evaluated_too(
    admin_client: Client, institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    save(admin_client, django_capture_on_commit_callbacks, SUGGESTION)
    rule = PolicyRule.objects.get()
    loan = loan_of(institution, "1855")
    services.apply_rules(loan.pk)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:policy_policyrule_delete", args=[rule.pk]), {"post": "yes"}
        )

    assert (
        notes(loan)[-1]
        == 'Policy rule "Fragile bindings" was removed: its suggestion is withdrawn.'
    )
