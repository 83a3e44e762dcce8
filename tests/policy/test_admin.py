"""Staff keep the policy in the admin: bad input is a clear error and stores nothing."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from illdesk.roles import OFFICE_MANAGER, REQUEST_STAFF, setup_roles
from policy.models import Attention, Closure, PolicyRule, ResponseTime
from requests_app.models import RequestType
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Pre-1900 imprints: library use only",
    "active": "on",
    "priority": "10",
    "request_type": "loan",
    "published_before": "1900",
    "action": "apply_condition",
    "condition": "Library use only",
}


def add_rule(client: Client, **changes: str) -> Any:
    return client.post(reverse("admin:policy_policyrule_add"), {**RULE, **changes})


def test_staff_add_a_rule(admin_client: Client) -> None:
    response = add_rule(admin_client)
    assert response.status_code == 302
    rule = PolicyRule.objects.get()
    assert (rule.published_before, rule.condition) == (1900, "Library use only")


def test_a_condition_rule_without_a_condition_is_refused(admin_client: Client) -> None:
    response = add_rule(admin_client, condition="")
    assert response.status_code == 200
    assert "Give the condition this rule suggests or applies." in response.content.decode()
    assert not PolicyRule.objects.exists()


def test_a_refusal_rule_without_a_reason_is_refused(admin_client: Client) -> None:
    response = add_rule(admin_client, action="apply_refusal", condition="")
    assert response.status_code == 200
    assert "Choose the refusal reason this rule suggests or gives." in response.content.decode()
    assert not PolicyRule.objects.exists()


def test_a_day_already_closed_is_a_field_error(admin_client: Client) -> None:
    Closure.objects.create(day="2026-12-24")
    url = reverse("admin:policy_closure_add")
    response = admin_client.post(url, {"day": "2026-12-24", "note": "Again"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["day"]
    assert Closure.objects.count() == 1


def test_days_to_respond_are_at_least_one(admin_client: Client) -> None:
    url = reverse("admin:policy_responsetime_add")
    response = admin_client.post(url, {"request_type": "loan", "working_days": "0"})
    assert response.status_code == 200
    assert "at least one working day" in response.content.decode()
    assert not ResponseTime.objects.exists()


def test_flags_are_listed_but_not_added_by_hand(admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:policy_attention_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:policy_attention_add")).status_code == 403
    assert not Attention.objects.exists()


def test_office_managers_keep_the_policy_and_request_staff_read_it() -> None:
    setup_roles()
    manager = make_staff(is_superuser=False)
    manager.groups.add(Group.objects.get(name=OFFICE_MANAGER))
    clerk = make_staff(is_superuser=False)
    clerk.groups.add(Group.objects.get(name=REQUEST_STAFF))
    manager_client, clerk_client = Client(), Client()
    manager_client.force_login(manager)
    clerk_client.force_login(clerk)
    assert add_rule(manager_client).status_code == 302
    assert add_rule(clerk_client, name="Another").status_code == 403
    url = reverse("admin:policy_policyrule_changelist")
    assert clerk_client.get(url).status_code == 200
    assert list(PolicyRule.objects.values_list("name", flat=True)) == [RULE["name"]]


def test_the_demo_sets_days_to_respond_for_every_service() -> None:
    call_command("seed_demo", stdout=StringIO())
    assert set(ResponseTime.objects.values_list("request_type", flat=True)) == set(RequestType)
