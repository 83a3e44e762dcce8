"""Evidence cannot be deleted by any role through any page (issue 12, defect 7): registrations and
their verification records, institutions, emails, requests with their timelines, copyright records
and decisions. Only the purge removes records, and their requests go with them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db.models import Model, ProtectedError
from django.test import Client
from django.urls import reverse

from copyright_rules.models import Decision, Record
from illdesk.roles import EVIDENCE_MODELS, OFFICE_MANAGER, REQUEST_STAFF, ROLES, VERIFIER
from registration.models import Institution, OutboxMessage, Registration, RegistrationEvent
from registration.services import add_verification_note
from requests_app.models import Request, RequestEvent
from tests.factories import make_institution, make_staff
from tests.registration.factories import RegistrationFactory
from tests.requests_app.factories import make_copy

pytestmark = pytest.mark.django_db

EVIDENCE_IN_THE_ADMIN = [Registration, Institution, OutboxMessage, Request, Record, Decision]


@pytest.fixture
def evidence() -> dict[type[Model], Model]:
    staff = make_staff()
    registration = RegistrationFactory.create()
    add_verification_note(registration, text="Phoned the library.", acting_user=staff)
    request = make_copy(make_institution())
    return {
        Registration: registration,
        Institution: request.institution,
        OutboxMessage: OutboxMessage.objects.get(target_id=request.pk),
        Request: request,
        Record: request.record,
        Decision: request.record.decisions.get(),
    }


def _client_for(role: str, django_user_model: Any) -> Client:
    client = Client()
    if role == "superuser":
        client.force_login(django_user_model.objects.create_superuser("root", "r@x.example", "x"))
        return client
    call_command("setup_roles")
    user = django_user_model.objects.create_user(role.replace(" ", "_"), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


def _counts() -> dict[str, int]:
    models = [*EVIDENCE_IN_THE_ADMIN, RegistrationEvent, RequestEvent]
    return {model.__name__: model._default_manager.count() for model in models}


@pytest.mark.parametrize("role", [VERIFIER, REQUEST_STAFF, OFFICE_MANAGER, "superuser"])
@pytest.mark.parametrize("model", EVIDENCE_IN_THE_ADMIN, ids=lambda m: m.__name__)
def test_no_role_deletes_evidence_through_the_admin(
    evidence: dict[type[Model], Model], django_user_model: Any, role: str, model: type[Model]
) -> None:
    client = _client_for(role, django_user_model)
    obj = evidence[model]
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    before = _counts()

    delete_page = reverse(f"{info}_delete", args=[obj.pk])
    assert client.get(delete_page).status_code == 403
    assert client.post(delete_page, {"post": "yes"}).status_code == 403
    listing = client.post(
        reverse(f"{info}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )

    assert listing.status_code in {200, 302, 403}
    assert b'value="delete_selected"' not in client.get(reverse(f"{info}_changelist")).content
    assert _counts() == before


def test_no_role_holds_a_delete_permission_on_evidence() -> None:
    call_command("setup_roles")
    deletes = Permission.objects.filter(
        group__name__in=list(ROLES),
        content_type__model__in=EVIDENCE_MODELS,
        codename__startswith="delete_",
    )
    assert list(deletes.values_list("codename", flat=True)) == []


def test_a_registration_with_a_verification_record_cannot_be_deleted_at_all(
    evidence: dict[type[Model], Model],
) -> None:
    with pytest.raises(ProtectedError):
        evidence[Registration].delete()
    assert RegistrationEvent.objects.count() == 1
