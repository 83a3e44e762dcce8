"""Staff roles (setup_roles) and the audit trail staff cannot edit."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from illdesk.roles import AUDIT_MODELS, OFFICE_MANAGER, REQUEST_STAFF, ROLES, VERIFIER
from requests_app.models import Request, RequestEvent
from requests_app.services import accept_request
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_copy


def _staff_with_role(django_user_model: Any, role: str) -> Any:
    user = django_user_model.objects.create_user(role.replace(" ", "_"), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return django_user_model.objects.get(pk=user.pk)  # a fresh permission cache


def _codenames(role: str) -> set[str]:
    permissions = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


@pytest.mark.django_db
def test_setup_roles_creates_the_three_roles() -> None:
    call_command("setup_roles")

    assert set(Group.objects.values_list("name", flat=True)) == {
        VERIFIER,
        REQUEST_STAFF,
        OFFICE_MANAGER,
    }


@pytest.mark.django_db
def test_setup_roles_is_idempotent_and_restores_removed_permissions() -> None:
    call_command("setup_roles")
    before = {role: _codenames(role) for role in ROLES}
    Group.objects.get(name=VERIFIER).permissions.clear()
    Group.objects.get(name=VERIFIER).permissions.add(Permission.objects.get(codename="add_user"))

    call_command("setup_roles")

    assert {role: _codenames(role) for role in ROLES} == before
    assert Group.objects.count() == len(ROLES)


@pytest.mark.django_db
def test_seed_demo_sets_up_the_roles() -> None:
    call_command("seed_demo")

    assert Group.objects.filter(name__in=list(ROLES)).count() == len(ROLES)


@pytest.mark.django_db
def test_a_verifier_can_change_registrations(django_user_model: Any) -> None:
    call_command("setup_roles")
    verifier = _staff_with_role(django_user_model, VERIFIER)

    assert verifier.has_perm("registration.change_institution")


@pytest.mark.django_db
def test_a_verifier_cannot_change_any_copyright_data(django_user_model: Any) -> None:
    call_command("setup_roles")
    verifier = _staff_with_role(django_user_model, VERIFIER)
    writes = Permission.objects.filter(content_type__app_label="copyright_rules").exclude(
        codename__startswith="view_"
    )

    assert [p.codename for p in writes if verifier.has_perm(f"copyright_rules.{p.codename}")] == []


@pytest.mark.django_db
def test_a_verifier_is_refused_every_copyright_change_page(
    django_user_model: Any, client: Client
) -> None:
    call_command("setup_roles")
    client.force_login(_staff_with_role(django_user_model, VERIFIER))
    models = apps.get_app_config("copyright_rules").get_models()
    refused = {}
    for model in models:
        try:
            url = reverse(f"admin:copyright_rules_{model._meta.model_name}_add")
        except NoReverseMatch:
            continue  # not in the admin at all
        refused[model.__name__] = client.get(url).status_code

    assert all(status == 403 for status in refused.values()), refused


@pytest.mark.django_db
def test_no_role_may_administer_accounts_or_edit_the_audit_log() -> None:
    call_command("setup_roles")
    granted = set().union(*(_codenames(role) for role in ROLES))

    forbidden = {
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.change_group",
        "admin.change_logentry",
        "admin.delete_logentry",
        "admin.add_logentry",
    }
    assert granted & forbidden == set()


@pytest.mark.django_db
def test_no_role_may_delete_copyright_records_by_hand() -> None:
    call_command("setup_roles")
    granted = set().union(*(_codenames(role) for role in ROLES))

    assert {g for g in granted if g.startswith("copyright_rules.delete_")} == set()


@pytest.mark.django_db
def test_admin_changes_are_recorded_in_the_audit_log(admin_client: Client, admin_user: Any) -> None:
    group = Group.objects.create(name="temporary")

    admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "renamed", "permissions": []}
    )

    entry = LogEntry.objects.get(object_id=str(group.pk))
    assert entry.user == admin_user
    assert entry.is_change()


def test_the_audit_log_has_no_admin_page_to_edit_or_delete_it() -> None:
    for action in ("change", "delete", "add", "changelist"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:admin_logentry_{action}", args=[1] if action != "add" else [])


@pytest.mark.django_db
def test_no_role_may_write_any_audit_trail() -> None:
    call_command("setup_roles")
    granted = set().union(*(_codenames(role) for role in ROLES))
    audit = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__model__in=AUDIT_MODELS).select_related(
            "content_type"
        )
    }

    assert {"requests_app.change_requestevent", "copyright_rules.change_decision"} <= audit
    assert {g for g in granted & audit if not g.split(".")[1].startswith("view_")} == set()


@pytest.mark.django_db
def test_the_request_timeline_cannot_be_edited_by_an_office_manager_in_the_admin(
    django_user_model: Any, client: Client
) -> None:
    call_command("setup_roles")
    item: Request = make_copy(make_institution())
    accept_request(item, seen=item.status, acting_user=make_staff())
    events = list(RequestEvent.objects.filter(request=item).values())
    client.force_login(_staff_with_role(django_user_model, OFFICE_MANAGER))
    url = reverse("admin:requests_app_request_change", args=[item.pk])

    assert client.get(url).status_code == 200  # office managers may read it
    response = client.post(url, {"status": "finished", "requestevent_set-TOTAL_FORMS": "0"})

    assert response.status_code == 403
    assert list(RequestEvent.objects.filter(request=item).values()) == events
    assert events, "the acceptance recorded no event"


@pytest.mark.django_db
def test_a_verifier_who_only_views_requests_cannot_refresh_the_statistics(
    django_user_model: Any,
) -> None:
    call_command("setup_roles")
    verifier = Client()
    verifier.force_login(_staff_with_role(django_user_model, VERIFIER))
    assert "Refresh now" not in verifier.get(reverse("desk:stats")).content.decode()
    assert verifier.post(reverse("desk:stats_refresh")).status_code == 403

    staff = Client()
    staff.force_login(_staff_with_role(django_user_model, REQUEST_STAFF))
    assert staff.post(reverse("desk:stats_refresh")).status_code == 302
