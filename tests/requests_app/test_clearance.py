"""Copy requests held for copyright permission, and how they leave the clearance queue."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from copyright_rules.models import TitleGroup, TitleIdentifier
from registration.models import Institution
from requests_app.models import Action, Request, Status
from tests.requests_app.factories import make_copy
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(institution: Institution) -> Request:
    for n in range(5):
        make_copy(institution, article_title=f"Article {n}", issue=str(n))
    sixth = make_copy(institution, article_title="Article 6", issue="6")
    assert sixth.status == Status.AWAITING_CLEARANCE
    return sixth


def test_a_permission_the_institution_records_waits_for_staff_to_confirm_it(
    portal: Client, desk: Client, held: Request
) -> None:
    url = reverse("requests:permission", args=[held.pk])
    portal.post(url, {"seen_status": "awaiting_clearance", "reference": "CCC-123", "fee": "12.50"})
    held.refresh_from_db()
    assert (held.status, held.record.outcome, held.record.permission_reference) == (
        Status.AWAITING_CLEARANCE,
        "NEEDS_PERMISSION",
        "CCC-123",
    )
    assert held.record.permission_entered_by == held.institution.user

    desk.post(
        reverse("desk:act", args=[held.pk, "permission"]),
        {"seen_status": "awaiting_clearance", "reference": "CCC-123", "fee": "12.50"},
    )
    held.refresh_from_db()
    assert (held.status, held.record.outcome) == (Status.NEW, "ACCEPT_CCG")


def test_without_confirmation_the_institutions_permission_accepts_at_once(
    portal: Client, held: Request, settings: Any
) -> None:
    settings.COPYRIGHT_CONFIRM_LIBRARY_PERMISSION = False
    url = reverse("requests:permission", args=[held.pk])
    portal.post(url, {"seen_status": "awaiting_clearance", "reference": "CCC-123", "fee": "12.50"})
    held.refresh_from_db()
    assert (held.status, held.record.outcome, held.record.permission_reference) == (
        Status.NEW,
        "ACCEPT_CCG",
        "CCC-123",
    )


def test_staff_determination_accepts_as_ccl(desk: Client, held: Request) -> None:
    url = reverse("desk:act", args=[held.pk, "determination"])
    desk.post(url, {"seen_status": "awaiting_clearance", "kind": "s108e", "note": "Out of print"})
    held.refresh_from_db()
    assert (held.status, held.record.outcome) == (Status.NEW, "ACCEPT_CCL")


def test_staff_refuses_a_held_request_with_a_reason(desk: Client, held: Request) -> None:
    url = reverse("desk:act", args=[held.pk, "refuse"])
    desk.post(
        url, {"seen_status": "awaiting_clearance", "refusal_reason": "copyright", "confirm": "on"}
    )
    held.refresh_from_db()
    assert (held.status, held.record.status) == (Status.REFUSED, "refused")


def test_clearance_queue_says_which_copy_it_would_be(desk: Client, held: Request) -> None:
    page = desk.get(f"{reverse('desk:queues')}?queue=clearance").content.decode()
    assert "Would be copy #6" in page


def test_clearance_queue_links_the_counted_prior_requests(
    desk: Client, held: Request, institution: Institution
) -> None:
    page = desk.get(f"{reverse('desk:queues')}?queue=clearance").content.decode()
    priors = Request.objects.exclude(pk=held.pk)
    assert all(reverse("desk:detail", args=[p.pk]) in page for p in priors)


def test_held_request_is_waiting_for_the_institution(portal: Client, held: Request) -> None:
    page = portal.get(reverse("requests:dashboard")).content.decode()
    assert reverse("requests:detail", args=[held.pk]) in page


def test_permission_on_a_request_that_is_not_held_changes_nothing(
    portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    url = reverse("requests:permission", args=[item.pk])
    portal.post(url, {"seen_status": "awaiting_clearance", "reference": "CCC-1"})
    item.refresh_from_db()
    assert item.record.permission_reference == ""


# --- a counted prior that stops counting (docs/copyright.md section 5) ----------------------


def counted_prior(held: Request) -> Request:
    return Request.objects.exclude(pk=held.pk).order_by("pk").first()  # type: ignore[return-value]


def test_a_cancelled_counted_prior_releases_the_held_request_and_tells_the_library(
    desk: Client, held: Request, django_capture_on_commit_callbacks: Any
) -> None:
    prior = counted_prior(held)
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("desk:act", args=[prior.pk, "cancel"]),
            {"seen_status": "new", "reason": "Found locally", "confirm": "on"},
        )

    held.refresh_from_db()
    decisions = list(held.record.decisions.order_by("created_at", "pk"))
    assert (held.status, held.record.status) == (Status.NEW, "accepted")
    assert [(d.outcome, d.copy_number) for d in decisions] == [
        ("NEEDS_PERMISSION", 6),
        ("ACCEPT_CCG", 5),
    ]
    assert [m.to for m in mail.outbox if f"{held.pk}" in f"{m.subject}{m.body}"][-1] == [
        held.institution.email
    ]


def test_only_the_oldest_held_request_takes_a_freed_slot(
    desk: Client, held: Request, institution: Institution
) -> None:
    seventh = make_copy(institution, article_title="Article 7", issue="7")

    desk.post(
        reverse("desk:act", args=[counted_prior(held).pk, "cancel"]),
        {"seen_status": "new", "reason": "Found locally", "confirm": "on"},
    )

    held.refresh_from_db()
    seventh.refresh_from_db()
    assert (held.status, seventh.status) == (Status.NEW, Status.AWAITING_CLEARANCE)
    assert seventh.record.decisions.count() == 2


def _reevaluated(request: Request) -> str:
    return request.events.get(action=Action.REEVALUATED).text


def test_a_request_released_by_a_counted_prior_says_that_prior_no_longer_counts(
    desk: Client, held: Request
) -> None:
    prior = counted_prior(held)
    desk.post(
        reverse("desk:act", args=[prior.pk, "cancel"]),
        {"seen_status": "new", "reason": "Found locally", "confirm": "on"},
    )
    assert _reevaluated(held).startswith(f"Request {prior.pk}, counted before, no longer counts.")


def test_a_request_released_by_a_prior_never_counted_does_not_say_it_counted(
    portal: Client,
) -> None:
    """An old issue is outside the rule of five (R9, not counted), yet its article holds the
    issue for the patron (R7): a second article of it waits until the first is cancelled."""
    old_issue = {**COPY_POST, "publication_date": "2015-05", "patron_id": "P-1"}
    portal.post(reverse("requests:new_copy"), old_issue)
    portal.post(reverse("requests:new_copy"), {**old_issue, "article_title": "Another one"})
    first, second = Request.objects.order_by("pk")
    assert (first.record.counted, second.status) == (False, Status.AWAITING_CLEARANCE)

    portal.post(reverse("requests:cancel", args=[first.pk]), {"seen_status": first.status})

    second.refresh_from_db()
    assert second.status == Status.NEW
    text = _reevaluated(second)
    assert text.startswith(f"Request {first.pk}, never counted, no longer holds its issue.")
    assert "counted before" not in text


def test_with_staff_reevaluation_the_queue_shows_the_prior_that_stopped_counting(
    desk: Client, held: Request, settings: Any
) -> None:
    settings.COPYRIGHT_HELD_REEVALUATION = "staff"
    prior = counted_prior(held)
    desk.post(
        reverse("desk:act", args=[prior.pk, "cancel"]),
        {"seen_status": "new", "reason": "Found locally", "confirm": "on"},
    )
    held.refresh_from_db()
    page = desk.get(f"{reverse('desk:queues')}?queue=clearance").content.decode()

    assert held.status == Status.AWAITING_CLEARANCE
    assert "(Cancelled, <strong>no longer counts</strong>)" in page
    assert reverse("desk:act", args=[held.pk, "reevaluate"]) in page

    desk.post(
        reverse("desk:act", args=[held.pk, "reevaluate"]), {"seen_status": "awaiting_clearance"}
    )
    held.refresh_from_db()
    assert held.status == Status.NEW


def test_the_queues_re_evaluate_button_belongs_to_no_nested_form(
    desk: Client, held: Request, settings: Any
) -> None:
    """A form inside the batch form would be dropped by the browser's parser, and the button
    would post the batch form to the batch view: it posts it to the action instead."""
    settings.COPYRIGHT_HELD_REEVALUATION = "staff"
    desk.post(
        reverse("desk:act", args=[counted_prior(held).pk, "cancel"]),
        {"seen_status": "new", "reason": "Found locally", "confirm": "on"},
    )
    page = desk.get(f"{reverse('desk:queues')}?queue=clearance").content.decode()
    batch_form = page[page.index(f'action="{reverse("desk:batch")}"') :]
    batch_form = batch_form[: batch_form.index("</form>")]
    action = reverse("desk:act", args=[held.pk, "reevaluate"])
    assert "<form" not in batch_form
    assert f'formaction="{action}" name="seen_status" value="awaiting_clearance"' in batch_form
    assert 'data-label="Why held"' in batch_form


def test_the_clearance_queue_shows_each_counted_prior_status(desk: Client, held: Request) -> None:
    page = desk.get(f"{reverse('desk:queues')}?queue=clearance").content.decode()
    assert page.count("(New)") == 5


def test_staff_confirm_the_key_of_a_variant_title_from_the_desk(
    desk: Client, institution: Institution
) -> None:
    group = TitleGroup.objects.create(name="Nature")
    TitleIdentifier.objects.create(group=group, kind="title", value="nature")
    item = make_copy(institution, title="Natur", issn="")
    assert item.status == Status.AWAITING_CLEARANCE
    page = desk.get(reverse("desk:detail", args=[item.pk])).content.decode()
    assert "Confirm the title key TITLE:natur" in page

    desk.post(
        reverse("desk:act", args=[item.pk, "confirm_key"]), {"seen_status": "awaiting_clearance"}
    )

    item.refresh_from_db()
    assert (item.status, item.record.outcome, item.record.counted) == (
        Status.NEW,
        "ACCEPT_CCG",
        True,
    )


def test_the_timeline_lists_a_later_decision_after_the_events_before_it(
    portal: Client, desk: Client, held: Request
) -> None:
    """The permission staff record after the library wrote is listed after its message, on both
    sides: decisions and events are one timeline, in the order they happened."""
    portal.post(reverse("requests:message", args=[held.pk]), {"text": "We asked the publisher."})
    desk.post(
        reverse("desk:act", args=[held.pk, "permission"]),
        {"seen_status": "awaiting_clearance", "reference": "CCC-123", "fee": "12.50"},
    )
    for page in (
        portal.get(reverse("requests:detail", args=[held.pk])),
        desk.get(reverse("desk:detail", args=[held.pk])),
    ):
        timeline = page.content.decode().split('id="timeline-heading"')[1]
        asked = timeline.index("We asked the publisher.")
        assert timeline.index("needs copyright permission") < asked
        assert asked < timeline.index("Permission CCC-123 is recorded")
