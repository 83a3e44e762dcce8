import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_openurl_article_opens_the_copy_form_prefilled(portal: Client) -> None:
    query = "rft.genre=article&rft.atitle=Cells&rft.jtitle=Nature&rft.issn=0028-0836&rft.volume=615"
    response = portal.get(f"{reverse('requests:new')}?{query}", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("requests:new_copy"))
    form = response.context["form"]
    assert (form["article_title"].value(), form["issn"].value()) == ("Cells", "0028-0836")


def test_openurl_book_opens_the_loan_form_prefilled(portal: Client) -> None:
    query = "rft.genre=book&rft.btitle=Moby+Dick&rft.isbn=9780262033848"
    response = portal.get(f"{reverse('requests:new')}?{query}", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("requests:new_loan"))
    assert response.context["form"]["title"].value() == "Moby Dick"


def test_openurl_values_are_only_initial_data(portal: Client) -> None:
    query = "rft.atitle=%3Cscript%3Ealert(1)%3C/script%3E"
    response = portal.get(f"{reverse('requests:new_copy')}?{query}")
    assert b"<script>alert(1)" not in response.content
    assert not response.context["form"].is_bound


def test_new_request_without_openurl_shows_the_choices(portal: Client) -> None:
    response = portal.get(reverse("requests:new"))
    assert reverse("requests:new_loan").encode() in response.content
