"""Each institution chooses which optional request emails it receives (docs/emails.md,
"Preferences"): in the portal, for itself only, and staff in the admin. An email turned off is
never queued: no outbox row, nothing on the timeline; the mandatory ones cannot be turned off."""

from datetime import timedelta
from typing import Any, cast

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution, OptionalEmail, OutboxMessage
from requests_app.models import Request
from tests.factories import make_institution, make_staff
from tests.requests_app.factories import make_loan
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db
PAGE = "/account/emails/"
ALL_BUT = {email: [e for e in OptionalEmail.values if e != email] for email in OptionalEmail}


def turned_off(institution: Institution) -> list[str]:
    institution.refresh_from_db()
    return [email.value for email in OptionalEmail if not getattr(institution, email.field)]


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
    assert turned_off(quiet) == ["request-received"]

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
    assert turned_off(institution) == ["loan-due-soon"]


def test_an_email_turned_back_on_is_sent_again(django_capture_on_commit_callbacks: Any) -> None:
    institution = make_institution()
    portal = portal_of(institution)
    portal.post(PAGE, {"emails": []})
    assert turned_off(institution) == OptionalEmail.values
    portal.post(PAGE, {"emails": OptionalEmail.values})
    assert turned_off(institution) == []
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(reverse("requests:new_copy"), COPY_POST)
    assert mail.outbox[-1].subject.endswith(": received")


def test_one_institution_never_sees_nor_changes_anothers_choices() -> None:
    mine, theirs = make_institution(), make_institution()
    portal_of(theirs).post(PAGE, {"emails": ALL_BUT[OptionalEmail.LOAN_RENEWED]})
    portal = portal_of(mine)
    page = portal.get(PAGE).content.decode()
    assert mine.name in page and mine.email in page and theirs.email not in page
    portal.post(PAGE, {"emails": []})
    assert turned_off(theirs) == ["loan-renewed"]
    assert turned_off(mine) == OptionalEmail.values


def test_only_a_logged_in_institution_reaches_the_page() -> None:
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    staff = Client()
    staff.force_login(make_staff())
    assert staff.get(PAGE).status_code == 403


def test_a_post_without_the_csrf_token_is_refused() -> None:
    institution = make_institution()
    response = portal_of(institution, enforce_csrf_checks=True).post(PAGE, {"emails": []})
    assert response.status_code == 403 and turned_off(institution) == []


def test_staff_see_and_change_the_choices_in_the_admin(admin_client: Client) -> None:
    institution = make_institution()
    url = reverse("admin:registration_institution_change", args=[institution.pk])
    page = admin_client.get(url).content.decode()
    assert "Emails the library receives" in page
    assert (
        '<input type="checkbox" name="email_loan_shipped" id="id_email_loan_shipped" checked>'
        in page
    )
    assert "email_loan_recalled" not in page
    form = admin_client.get(url).context["adminform"].form
    data = {**form.initial, "email_loan_shipped": "", "outbox_messages-TOTAL_FORMS": "0"}
    data.update({"outbox_messages-INITIAL_FORMS": "0", "outbox_messages-MAX_NUM_FORMS": "0"})
    data = {key: value for key, value in data.items() if value not in (None, False, "")}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    assert turned_off(institution) == ["loan-shipped"]


def test_deciding_needs_no_query_with_the_institution_at_hand(
    django_assert_num_queries: Any,
) -> None:
    institution = make_institution()
    with django_assert_num_queries(0):
        assert institution.wants_email("loan-recalled")
        assert institution.wants_email("library-message")
        assert institution.wants_email("request-received")
