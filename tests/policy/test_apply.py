"""Policy rules act on new requests after submission, from every channel, through the desk's own
services, and each decision names its rule on the timeline (docs/policy.md, "Rules")."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from illdesk.celery import app as celery_app
from policy import services
from policy.models import PolicyRule, RuleAction, RuleDecision
from registration.models import Institution
from requests_app import services as desk
from requests_app.models import Action, Request, Status
from tests.factories import make_institution
from tests.requests_app.factories import make_copy, make_loan
from tests.requests_app.iso18626.helpers import loan_request, make_partner, post
from tests.services import forget_broker_connections

pytestmark = pytest.mark.django_db

OLD_BOOK: dict[str, Any] = {
    "title": "Leaves of Grass",
    "author": "Whitman, W.",
    "publication_date": "1855",
}


@pytest.fixture
def pre_1900() -> PolicyRule:
    return PolicyRule.objects.create(
        name="Pre-1900 imprints: library use only",
        request_type="loan",
        published_before=1900,
        action=RuleAction.APPLY_CONDITION,
        condition="Library use only",
    )


def timeline(request: Request) -> list[tuple[str, str]]:
    return [(event.action, event.text or event.staff_note) for event in request.events.all()]


def test_a_rule_conditions_a_pre_1900_loan_automatically(
    portal: Client, pre_1900: PolicyRule, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(reverse("requests:new_loan"), {**OLD_BOOK, "tried_elsewhere": "on"})
    loan = Request.objects.get()
    assert (loan.status, loan.conditions) == (Status.CONDITIONAL, "Library use only")
    assert timeline(loan) == [
        (Action.STAFF_NOTE, 'Policy rule "Pre-1900 imprints: library use only" applied.'),
        (Action.CONDITIONAL, "Library use only"),
    ]
    assert loan.events.get(action=Action.CONDITIONAL).actor is None


def test_a_later_imprint_is_left_to_staff(
    portal: Client, pre_1900: PolicyRule, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(
            reverse("requests:new_loan"),
            {**OLD_BOOK, "publication_date": "1901", "tried_elsewhere": "on"},
        )
    loan = Request.objects.get()
    assert (loan.status, timeline(loan)) == (Status.NEW, [])


def test_an_inactive_rule_does_nothing(institution: Institution, pre_1900: PolicyRule) -> None:
    PolicyRule.objects.filter(pk=pre_1900.pk).update(active=False)
    loan = make_loan(institution, **OLD_BOOK)
    assert services.apply_rules(loan.pk) is None
    assert Request.objects.get(pk=loan.pk).status == Status.NEW


def test_a_refusal_rule_refuses_with_its_reason(institution: Institution) -> None:
    PolicyRule.objects.create(
        name="No loans of microfilm",
        request_type="loan",
        action=RuleAction.APPLY_REFUSAL,
        refusal_reason=Request.RefusalReason.POLICY,
        message="The office does not lend microfilm.",
    )
    loan = make_loan(institution)
    services.apply_rules(loan.pk)
    loan.refresh_from_db()
    assert (loan.status, loan.refusal_reason, loan.reason) == (
        Status.REFUSED,
        Request.RefusalReason.POLICY,
        "The office does not lend microfilm.",
    )
    assert timeline(loan) == [
        (Action.STAFF_NOTE, 'Policy rule "No loans of microfilm" applied.'),
        (Action.REFUSED, "The office does not lend microfilm."),
    ]


def test_a_routing_rule_moves_it_to_in_process_naming_the_rule(institution: Institution) -> None:
    PolicyRule.objects.create(
        name="Our own branch: straight to the stacks",
        institution=institution,
        action=RuleAction.ROUTE_IN_PROCESS,
    )
    copy = make_copy(institution)
    services.apply_rules(copy.pk)
    copy.refresh_from_db()
    assert copy.status == Status.IN_PROCESS
    accepted = copy.events.get(action=Action.ACCEPTED)
    assert accepted.staff_note == 'Policy rule "Our own branch: straight to the stacks" applied.'


def test_other_institutions_are_not_routed(
    institution: Institution, other_institution: Institution
) -> None:
    PolicyRule.objects.create(
        name="Route one library", institution=other_institution, action=RuleAction.ROUTE_IN_PROCESS
    )
    loan = make_loan(institution)
    services.apply_rules(loan.pk)
    assert Request.objects.get(pk=loan.pk).status == Status.NEW


def test_a_suggestion_is_a_staff_note_and_changes_nothing(institution: Institution) -> None:
    PolicyRule.objects.create(
        name="Fragile bindings",
        published_before=1900,
        action=RuleAction.SUGGEST_CONDITION,
        condition="Ship in a box",
    )
    loan = make_loan(institution, **OLD_BOOK)
    services.apply_rules(loan.pk)
    loan.refresh_from_db()
    assert loan.status == Status.NEW
    note = loan.events.get(action=Action.STAFF_NOTE)
    assert note.staff_note == 'Policy rule "Fragile bindings" suggests the condition: Ship in a box'
    assert not loan.events.for_library().filter(action=Action.STAFF_NOTE).exists()


def test_a_request_staff_answered_first_is_left_alone(
    institution: Institution, pre_1900: PolicyRule, staff: Any
) -> None:
    loan = make_loan(institution, **OLD_BOOK)
    desk.accept_request(loan, seen=Status.NEW, acting_user=staff)
    assert services.apply_rules(loan.pk) is None
    assert Request.objects.get(pk=loan.pk).status == Status.IN_PROCESS


def test_a_partner_rule_conditions_that_partners_iso_requests(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    partner = make_partner(make_institution())
    PolicyRule.objects.create(
        name="Partner loans before 1960: library use only",
        partner=partner,
        published_before=1960,
        action=RuleAction.APPLY_CONDITION,
        condition="Library use only",
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, loan_request("p-1"))
    assert Request.objects.get().status == Status.CONDITIONAL


def test_the_same_rule_leaves_portal_requests_alone(
    institution: Institution, django_capture_on_commit_callbacks: Any
) -> None:
    partner = make_partner(make_institution())
    PolicyRule.objects.create(
        name="Partner only",
        partner=partner,
        action=RuleAction.APPLY_CONDITION,
        condition="Library use only",
    )
    with django_capture_on_commit_callbacks(execute=True):
        loan = make_loan(institution)
    assert Request.objects.get(pk=loan.pk).status == Status.NEW


@pytest.fixture
def broker_down() -> Iterator[None]:
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    forget_broker_connections()
    yield
    celery_app.conf.update(**saved)
    forget_broker_connections()


def test_the_rules_are_applied_in_process_when_the_broker_is_down(
    portal: Client,
    pre_1900: PolicyRule,
    broker_down: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = portal.post(reverse("requests:new_loan"), {**OLD_BOOK, "tried_elsewhere": "on"})
    assert response.status_code == 302
    assert Request.objects.get().status == Status.CONDITIONAL


def test_a_task_delivered_twice_notes_its_suggestions_once(institution: Institution) -> None:
    PolicyRule.objects.create(
        name="Check the binding", action=RuleAction.SUGGEST_CONDITION, condition="Ship in a box"
    )
    loan = make_loan(institution)
    services.apply_rules(loan.pk)
    services.apply_rules(loan.pk)
    assert loan.events.filter(action=Action.STAFF_NOTE).count() == 1
    assert RuleDecision.objects.get(request=loan).rule is None
