"""The staff home, the desk's pages and the admin's index and list pages pass axe, and axe's
target-size rule (WCAG 2.2 2.5.8; not run by default in this axe version) finds no target under
24 by 24 pixels."""

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone

from requests_app.models import Request
from tests.e2e.helpers import STAFF_PASSWORD, create_librarian
from tests.requests_app.factories import make_copy, make_loan

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

TARGET_SIZE = {"runOnly": {"type": "rule", "values": ["target-size"]}}
PAGES = (
    "/desk/home/",
    "/desk/",
    "/desk/?queue=new&service=loan&sort=need_by",
    "/desk/?queue=renewals",
    "/desk/?q=0028-0836",
    "/desk/statistics/",
    "/admin/",
    "/admin/registration/registration/",
    "/admin/registration/institution/",
    "/admin/registration/directoryrecord/",
    "/admin/requests_app/request/",
    "/admin/copyright_rules/record/",
)


def test_staff_home_desk_pages_and_admin_lists_pass_axe(new_context: Any, audit: Any) -> None:
    get_user_model().objects.create_superuser("chief", "chief@loc.invalid", STAFF_PASSWORD)
    library = create_librarian("NYBKL", "Brooklyn College Library")
    copy = make_copy(library)
    make_loan(library)
    asked = make_loan(library, title="A loan to renew")
    Request.objects.filter(pk=asked.pk).update(
        status="on_loan", due_date="2099-01-01", renewal_requested_at=timezone.now()
    )
    page = new_context().new_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/")
    small: dict[str, list[str]] = {}
    for path in (*PAGES, f"/desk/{copy.pk}/", f"/desk/{copy.pk}/slip/"):
        page.goto(path)
        audit.check(page, f"staff page {path}")
        results = Axe().run(page, options=TARGET_SIZE)
        small[path] = [
            node["target"] for v in results.response["violations"] for node in v["nodes"]
        ]
    audit.assert_clean()
    assert {path: found for path, found in small.items() if found} == {}
