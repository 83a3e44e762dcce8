"""The portal says what was just done, in one line at the top of the next page (a success
message, focused so it is read out), and its navigation marks the page the library is on."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from registration.models import Institution
from requests_app.models import Request
from tests.requests_app.factories import make_copy, make_loan
from tests.requests_app.test_desk import act
from tests.requests_app.test_reproductions import ORDER
from tests.requests_app.test_submit import COPY_POST

pytestmark = pytest.mark.django_db


def _confirmation(response: Any) -> str:
    """The success line of a followed response's last page (focusable, so it can be focused)."""
    found = re.findall(
        r'<p class="message message-success" tabindex="-1" data-announce>([^<]*)</p>',
        response.content.decode(),
    )
    assert len(found) == 1, found
    return str(found[0])


def test_a_copy_request_sent_is_confirmed(portal: Client) -> None:
    response = portal.post(reverse("requests:new_copy"), COPY_POST, follow=True)
    assert _confirmation(response) == f"Copy request {Request.objects.get().pk} received."


def test_a_reproduction_order_sent_is_confirmed_as_an_order(portal: Client) -> None:
    response = portal.post(reverse("requests:new_duplication"), ORDER, follow=True)
    assert _confirmation(response) == f"Reproduction order {Request.objects.get().pk} received."


def test_a_cancellation_is_confirmed(portal: Client, institution: Institution) -> None:
    item = make_loan(institution)
    url = reverse("requests:cancel", args=[item.pk])
    response = portal.post(url, {"seen_status": item.status}, follow=True)
    assert _confirmation(response) == f"Loan request {item.pk} is cancelled."


def test_a_cancellation_that_came_too_late_says_so_and_confirms_nothing(
    portal: Client, institution: Institution
) -> None:
    item = make_copy(institution)
    url = reverse("requests:cancel", args=[item.pk])
    response = portal.post(url, {"seen_status": "in_process"}, follow=True)
    assert "message-success" not in response.content.decode()
    assert "message-error" in response.content.decode()


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("approve", "You approved the quote: the office will make the reproduction."),
        ("decline", "You declined the quote: the order is cancelled."),
    ],
)
def test_an_answer_to_a_price_quote_is_confirmed(
    portal: Client, desk: Client, answer: str, said: str
) -> None:
    portal.post(reverse("requests:new_duplication"), ORDER, follow=True)
    order = Request.objects.get()
    act(desk, order, "quote", amount="45.00", note="2 TIFF files")
    url = reverse("requests:quote", args=[order.pk])
    response = portal.post(url, {"seen_status": "quoted", "answer": answer}, follow=True)
    assert _confirmation(response) == said


@pytest.mark.parametrize(
    ("page", "current"),
    [
        ("requests:dashboard", "Overview"),
        ("requests:list", "All requests"),
        ("requests:new_loan", "Request a loan"),
        ("requests:new_copy", "Request a copy"),
        ("requests:new_duplication", "Order a reproduction of our holdings"),
    ],
)
def test_the_portal_navigation_marks_the_current_page(
    portal: Client, page: str, current: str
) -> None:
    html = portal.get(reverse(page)).content.decode()
    nav = html[
        html.index('<nav aria-label="Requests"') : html.index("</nav>", html.index("subnav"))
    ]
    marked = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', nav)
    assert marked == [(reverse(page), current)]


def test_a_request_page_marks_no_navigation_link_as_current(
    portal: Client, institution: Institution
) -> None:
    item = make_loan(institution)
    html = portal.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert 'aria-current="page"' not in html
