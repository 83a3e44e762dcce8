"""Each institution chooses which optional request emails it receives (docs/emails.md,
"Preferences"): in the portal, for itself only, and staff in the admin. An email turned off is
never queued: no outbox row, nothing on the timeline; the mandatory ones cannot be turned off."""

from datetime import timedelta
from typing import Any, cast

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import EmailOptOut, Institution, OptionalEmail, OutboxMessage
from registration.preferences import wants_email
from requests_app.models import Request
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_loan
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db
PAGE = "/account/emails/"
ALL_BUT = {email: [e for e in OptionalEmail.values if e != email] for email in OptionalEmail}


def portal_of(institution: Institution, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(cast(Any, institution.user))
    return client


def test_the_page_is_the_account_emails_url() -> None:
    assert reverse("account:emails") == PAGE


def test_every_optional_email_is_offered_labelled_and_ticked() -> None:
    page = portal_of(make_institution()).get(PAGE).content.decode()
    for n, email in enumerate(OptionalEmail):
        box = f'<input type="checkbox" name="emails" value="{email.value}"'
        assert f'{box} id="id_emails_{n}" checked>' in page
        assert f'<label for="id_emails_{n}">{email.label}</label>' in page
    assert "<legend>Email us when</legend>" in page


def test_a_received_email_turned_off_is_never_queued_nor_on_the_timeline(
    django_capture_on_commit_callbacks: Any,
) -> None:
    quiet, told = make_institution(), make_institution()
    portal = portal_of(quiet)
    response = portal.post(PAGE, {"emails": ALL_BUT[OptionalEmail.REQUEST_RECEIVED]})
    assert response.status_code == 302
    assert list(quiet.email_opt_outs.values_list("email", flat=True)) == ["request-received"]

    with django_capture_on_commit_callbacks(execute=True):
        portal.post(reverse("requests:new_copy"), COPY_POST)
        portal_of(told).post(reverse("requests:new_copy"), COPY_POST)
    mine, theirs = (Request.objects.get(institution=i) for i in (quiet, told))
    assert not OutboxMessage.objects.filter(target_id=mine.pk).exists()
    assert [m.to for m in mail.outbox] == [[told.email]]
    events = [list(r.events.values_list("action", flat=True)) for r in (mine, theirs)]
    assert events[0] == events[1]


def test_a_shipped_email_turned_off_is_skipped_but_the_recall_still_goes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    institution = make_institution()
    portal_of(institution).post(PAGE, {"emails": ALL_BUT[OptionalEmail.LOAN_SHIPPED]})
    loan = make_loan(institution)
    desk = Client()
    desk.force_login(make_staff())
    due, sooner = (timezone.localdate() + timedelta(days=d) for d in (21, 3))
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("desk:act", args=[loan.pk, "ship"]),
            {"seen_status": "new", "due_date": due.isoformat(), "pieces": "1"},
        )
        desk.post(
            reverse("desk:act", args=[loan.pk, "recall"]),
            {"seen_status": "on_loan", "due_date": sooner.isoformat()},
        )
    sent = OutboxMessage.objects.filter(target_id=loan.pk).values_list("email", flat=True)
    assert sorted(sent) == ["loan-recalled", "request-received"]
    assert "recalled" in mail.outbox[-1].subject


def test_a_mandatory_email_cannot_be_turned_off_and_nothing_changes() -> None:
    institution = make_institution()
    portal = portal_of(institution)
    portal.post(PAGE, {"emails": ALL_BUT[OptionalEmail.LOAN_DUE_SOON]})
    response = portal.post(PAGE, {"emails": ["loan-recalled"]})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_emails_error"' in page and "loan-recalled is not one of" in page
    assert list(institution.email_opt_outs.values_list("email", flat=True)) == ["loan-due-soon"]


def test_the_database_refuses_to_turn_off_a_mandatory_email() -> None:
    with pytest.raises(IntegrityError):
        EmailOptOut.objects.create(institution=make_institution(), email="loan-recalled")


def test_an_email_turned_back_on_is_sent_again(django_capture_on_commit_callbacks: Any) -> None:
    institution = make_institution()
    portal = portal_of(institution)
    portal.post(PAGE, {"emails": []})
    assert institution.email_opt_outs.count() == len(OptionalEmail)
    portal.post(PAGE, {"emails": OptionalEmail.values})
    assert not institution.email_opt_outs.exists()
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(reverse("requests:new_copy"), COPY_POST)
    assert mail.outbox[-1].subject.endswith(": received")


def test_one_institution_never_sees_nor_changes_anothers_choices() -> None:
    mine, theirs = make_institution(), make_institution()
    EmailOptOut.objects.create(institution=theirs, email=OptionalEmail.LOAN_RENEWED)
    portal = portal_of(mine)
    page = portal.get(PAGE).content.decode()
    assert mine.name in page and mine.email in page and theirs.email not in page
    portal.post(PAGE, {"emails": []})
    assert list(theirs.email_opt_outs.values_list("email", flat=True)) == ["loan-renewed"]
    assert wants_email(theirs, OptionalEmail.REQUEST_RECEIVED)


def test_only_a_logged_in_institution_reaches_the_page() -> None:
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    staff = Client()
    staff.force_login(make_staff())
    assert staff.get(PAGE).status_code == 403


def test_a_post_without_the_csrf_token_is_refused() -> None:
    institution = make_institution()
    response = portal_of(institution, enforce_csrf_checks=True).post(PAGE, {"emails": []})
    assert response.status_code == 403 and not institution.email_opt_outs.exists()


def test_staff_see_and_change_the_choices_in_the_admin(admin_client: Client) -> None:
    institution = make_institution()
    EmailOptOut.objects.create(institution=institution, email=OptionalEmail.LOAN_SHIPPED)
    url = reverse("admin:registration_institution_change", args=[institution.pk])
    page = admin_client.get(url).content.decode()
    assert "Emails turned off" in page
    assert '<option value="loan-shipped" selected>A loan was shipped</option>' in page
    assert '<option value="loan-recalled"' not in page


def test_a_mandatory_email_needs_no_query(django_assert_num_queries: Any) -> None:
    institution = make_institution()
    with django_assert_num_queries(0):
        assert wants_email(institution, "loan-recalled")
        assert wants_email(institution.pk, "library-message")
