"""The pages themselves: the copyright warning, every status rendered on both sides, the nav."""

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import Institution
from registration.terms import COPYRIGHT_WARNING_TEXT
from requests_app.models import Request, Status
from tests.requests_app.factories import make_copy, make_loan

pytestmark = pytest.mark.django_db

# 37 CFR 201.14(b) as printed in Copyright Office Circular 21, written out here independently of
# the application's constant so a change to either is caught.
REGULATION_TEXT = (
    "NOTICE WARNING CONCERNING COPYRIGHT RESTRICTIONS The copyright law of the United States "
    "(Title 17, United States Code) governs the making of photocopies or other reproductions of "
    "copyrighted material. Under certain conditions specified in the law, libraries and archives "
    "are authorized to furnish a photocopy or other reproduction. One of these specified "
    'conditions is that the photocopy or reproduction is not to be "used for any purpose other '
    'than private study, scholarship, or research." If a user makes a request for, or later uses, '
    'a photocopy or reproduction for purposes in excess of "fair use," that user may be liable '
    "for copyright infringement. This institution reserves the right to refuse to accept a "
    "copying order if, in its judgment, fulfillment of the order would involve violation of "
    "copyright law."
)


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def warning_box(page: str) -> str:
    match = re.search(r'<section class="notice copyright-warning".*?</section>', page, re.S)
    assert match, "no copyright warning box on the form"
    return match.group(0)


def test_warning_constant_is_the_regulation_verbatim() -> None:
    assert " ".join(COPYRIGHT_WARNING_TEXT.split()) == REGULATION_TEXT


@pytest.mark.parametrize("form", ["requests:new_copy", "requests:new_duplication"])
def test_copy_forms_show_the_warning_verbatim_in_a_box(portal: Client, form: str) -> None:
    page = portal.get(reverse(form)).content.decode()
    assert words(warning_box(page)) == REGULATION_TEXT


@pytest.mark.parametrize("url", [reverse("requests:new_copy"), reverse("requests:new_duplication")])
def test_the_forms_and_the_registration_terms_show_the_one_warning(
    portal: Client, url: str
) -> None:
    """The copy forms and the registration page render the same definition, word for word."""
    registration = Client().get(reverse("registration:register")).content.decode()
    form = portal.get(url).content.decode()
    one = " ".join(COPYRIGHT_WARNING_TEXT.split())
    assert words(warning_box(registration)) == words(warning_box(form)) == one


def test_warning_box_sits_inside_the_page_before_the_submit_button(portal: Client) -> None:
    page = portal.get(reverse("requests:new_copy")).content.decode()
    assert page.index("copyright-warning") < page.index('id="copy-submit-button"')


def test_warning_box_text_is_body_size() -> None:
    """201.14(c)(2): no smaller than the form's type. The box's class sets 1rem, the body size."""
    css = Path(str(finders.find("css/illdesk.css"))).read_text()
    box = re.search(r"\.notice \{[^}]*\}", css)
    body = re.search(r"body \{[^}]*\}", css)
    assert box and body and "font-size: 1rem" in box.group(0) and "font-size: 1rem" in body.group(0)


def test_copy_form_has_the_live_precheck_region_and_script(portal: Client) -> None:
    page = portal.get(reverse("requests:new_copy")).content.decode()
    assert 'aria-live="polite"' in page and "js/requests-precheck.js" in page
    assert "<script>" not in page


def _in_every_status(institution: Institution) -> list[Request]:
    items = []
    for status in Status:
        item = (
            make_loan(institution)
            if status in ("on_loan", "overdue", "returned", "lost")
            else make_copy(institution, article_title=str(status))
        )
        due = timezone.localdate() + timedelta(days=3)
        Request.objects.filter(pk=item.pk).update(
            status=status,
            due_date=due,
            refusal_reason="policy",
            conditions="Library use only",
            quote_amount=1,
        )
        items.append(item)
    return items


def test_every_status_renders_for_the_institution(portal: Client, institution: Institution) -> None:
    for item in _in_every_status(institution):
        assert portal.get(reverse("requests:detail", args=[item.pk])).status_code == 200


def test_every_status_renders_on_the_desk(desk: Client, institution: Institution) -> None:
    for item in _in_every_status(institution):
        assert desk.get(reverse("desk:detail", args=[item.pk])).status_code == 200


def test_every_queue_renders(desk: Client, institution: Institution) -> None:
    _in_every_status(institution)
    for queue in (
        "new",
        "clearance",
        "in_process",
        "conditional",
        "delivered",
        "on_loan",
        "overdue",
        "finished",
    ):
        assert desk.get(f"{reverse('desk:queues')}?queue={queue}").status_code == 200


def test_dashboard_lists_loans_due_soon(portal: Client, institution: Institution) -> None:
    items = _in_every_status(institution)
    on_loan = next(i for i in items if Request.objects.get(pk=i.pk).status == "on_loan")
    page = portal.get(reverse("requests:dashboard")).content.decode()
    assert reverse("requests:detail", args=[on_loan.pk]) in page


def test_list_filters_by_status_type_and_text(portal: Client, institution: Institution) -> None:
    make_copy(institution, article_title="Zebra stripes")
    make_loan(institution, title="Aardvark habits")
    response = portal.get(
        reverse("requests:list"), {"service": "copy", "q": "zebra", "status": "new"}
    )
    assert [r.article_title for r in response.context["page"]] == ["Zebra stripes"]


def test_list_filters_by_date_range(portal: Client, institution: Institution) -> None:
    old = make_copy(institution, article_title="Old")
    Request.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    make_copy(institution, article_title="Recent")
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    response = portal.get(reverse("requests:list"), {"since": since})
    assert [r.article_title for r in response.context["page"]] == ["Recent"]


def test_list_shows_a_bad_date_filter_next_to_the_field(portal: Client) -> None:
    response = portal.get(reverse("requests:list"), {"since": "yesterday"})
    assert response.status_code == 200 and b'id="id_since_error"' in response.content


def test_list_is_paginated(portal: Client, institution: Institution) -> None:
    for n in range(27):
        make_loan(institution, title=f"Book {n}")
    response = portal.get(reverse("requests:list"), {"page": "2"})
    assert len(response.context["page"].object_list) == 2


def test_nav_links_the_portal_for_institutions(portal: Client) -> None:
    assert reverse("requests:dashboard").encode() in portal.get(reverse("home")).content


def test_nav_links_the_desk_for_staff(desk: Client) -> None:
    assert reverse("desk:queues").encode() in desk.get(reverse("home")).content
