"""Partner profiles: only office managers set them up (their credentials let one act as the
library); every change is in the admin's history and is told to the institution's verified
contact; and the message address must be https to a public address, or the form says why."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client

from illdesk.roles import OFFICE_MANAGER, REQUEST_STAFF
from registration.models import Institution
from requests_app.iso18626.models import IsoPartner
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import make_partner

pytestmark = pytest.mark.django_db

PUBLIC_ADDRESS = "https://93.184.215.14/iso18626"
ADD = "/admin/requests_app/isopartner/add/"


def _form(institution: Institution, **changes: str) -> dict[str, str]:
    return {
        "institution": str(institution.pk),
        "agency_id_type": "OCLC",
        "agency_id_value": "NEW",
        "address": PUBLIC_ADDRESS,
        "account_id": "acct",
        "security_code": "code-typed-once",
        "header_token": "t" * 40,
        "quirks": "standard",
        "is_active": "on",
        **changes,
    }


def _logged_in_as(role: str, django_user_model: Any) -> Client:
    call_command("setup_roles")
    user = django_user_model.objects.create_user(role.replace(" ", "_"), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def test_request_staff_can_neither_add_nor_change_a_partner(django_user_model: Any) -> None:
    desk = _logged_in_as(REQUEST_STAFF, django_user_model)
    partner = make_partner(make_institution())
    change = f"/admin/requests_app/isopartner/{partner.pk}/change/"

    added = desk.post(ADD, _form(make_institution()))
    changed = desk.post(change, _form(partner.institution, header_token="x" * 40))

    assert added.status_code == 403
    assert changed.status_code == 403
    partner.refresh_from_db()
    assert partner.authenticates(
        account_id="", security_code="", header_token="partner-header-token-1234567890"
    )
    assert IsoPartner.objects.count() == 1


def test_an_office_manager_adds_a_partner_and_the_library_is_told(
    django_user_model: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = _logged_in_as(OFFICE_MANAGER, django_user_model)
    institution = make_institution()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(ADD, _form(institution))

    assert response.status_code == 302
    partner = IsoPartner.objects.get()
    entry = LogEntry.objects.get(object_id=str(partner.pk))
    assert entry.is_addition() and entry.user.username == "office_manager"
    [email] = mail.outbox
    assert email.to == [institution.email]
    assert "OCLC:NEW" in email.body and PUBLIC_ADDRESS in email.body
    assert "Header token: set" in email.body
    assert "code-typed-once" not in email.body and "t" * 40 not in email.body


def test_changing_a_partners_credentials_is_logged_and_told(
    django_user_model: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = _logged_in_as(OFFICE_MANAGER, django_user_model)
    partner = make_partner(make_institution(), address=PUBLIC_ADDRESS)
    change = f"/admin/requests_app/isopartner/{partner.pk}/change/"

    with django_capture_on_commit_callbacks(execute=True):
        manager.post(change, _form(partner.institution, header_token="n" * 40, security_code=""))

    entry = LogEntry.objects.filter(object_id=str(partner.pk)).get()
    assert entry.is_change() and "Header token" in entry.get_change_message()
    assert "n" * 40 not in entry.change_message
    [email] = mail.outbox
    assert email.to == [partner.institution.email] and "changed" in email.subject


def test_removing_a_partner_is_told(
    django_user_model: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    manager = _logged_in_as(OFFICE_MANAGER, django_user_model)
    partner = make_partner(make_institution(), address=PUBLIC_ADDRESS)

    with django_capture_on_commit_callbacks(execute=True):
        manager.post(f"/admin/requests_app/isopartner/{partner.pk}/delete/", {"post": "yes"})

    assert IsoPartner.objects.count() == 0
    [email] = mail.outbox
    assert "removed" in email.subject and email.to == [partner.institution.email]
    assert email.reply_to == [settings.OFFICE_EMAIL]  # docs/emails.md, "Reply-To"


def test_removing_partners_from_the_list_is_logged_and_told(
    django_user_model: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The list's "Delete selected" action removes them without the delete page."""
    manager = _logged_in_as(OFFICE_MANAGER, django_user_model)
    partners = [
        make_partner(make_institution(), agency=("OCLC", symbol), address=PUBLIC_ADDRESS)
        for symbol in ("ONE", "TWO")
    ]

    with django_capture_on_commit_callbacks(execute=True):
        manager.post(
            "/admin/requests_app/isopartner/",
            {
                "action": "delete_selected",
                "post": "yes",
                "_selected_action": [str(partner.pk) for partner in partners],
            },
        )

    assert IsoPartner.objects.count() == 0
    assert sorted(email.to[0] for email in mail.outbox if "removed" in email.subject) == sorted(
        partner.institution.email for partner in partners
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://93.184.215.14/iso18626", "must begin with https://"),
        ("https://127.0.0.1/iso18626", "127.0.0.1, a loopback, private"),
        ("https://[::1]:6379/", "::1, a loopback, private"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://10.1.2.3/iso18626", "10.1.2.3"),
        ("https://[::ffff:192.168.0.1]/iso18626", "192.168.0.1"),
        ("https://localhost/iso18626", "a loopback, private"),
        ("https://93.184.215.14:99999/iso18626", "port must be a number from 1 to 65535"),
        ("https://93.184.215.14:0/iso18626", "port must be a number"),
    ],
)
def test_the_form_refuses_an_address_we_may_not_send_to(
    admin_client: Client, settings: Any, address: str, message: str
) -> None:
    settings.ISO18626_ALLOW_HTTP = False
    settings.ISO18626_ALLOWED_NETWORKS = []

    response = admin_client.post(ADD, _form(make_institution(), address=address))

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["address"])
    assert IsoPartner.objects.count() == 0


def test_plain_http_and_a_named_network_are_allowed_by_setting_for_tests(
    admin_client: Client, settings: Any
) -> None:
    settings.ISO18626_ALLOW_HTTP = True
    settings.ISO18626_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    response = admin_client.post(ADD, _form(make_institution(), address="http://127.0.0.1:8/x"))

    assert response.status_code == 302 and IsoPartner.objects.get().address.startswith("http:")
