"""The cover page's words: the citation, the numbers, the dates and the notice that 17 U.S.C.
108(a)(3) requires on every copy a library makes (docs/delivery.md, "The cover page")."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.template.loader import render_to_string

from requests_app.models import Request

# 17 U.S.C. 108(a)(3): the copy "includes a notice of copyright that appears on the copy ... or
# includes a legend stating that the work may be protected by copyright if no such notice can be
# found".
LEGEND = (
    "No notice of copyright was found on the work. This work may be protected by copyright "
    "(17 U.S.C. 108(a)(3))."
)
SECTION_108 = (
    "This copy was made under section 108 of the United States Copyright Act (17 U.S.C. 108) "
    "for private study, scholarship or research. Any other use may infringe copyright."
)


def citation(item: Request) -> str:
    """The citation as one line: the document's title and the cover's first entry."""
    where = ", ".join(
        filter(
            None,
            [
                item.journal_title,
                item.volume and f"vol. {item.volume}",
                item.issue and f"no. {item.issue}",
                item.publication_date,
                item.pages and f"pp. {item.pages}",
            ],
        )
    )
    parts = [item.author, item.citation_title, where]
    return ". ".join(part.strip().rstrip(".") for part in parts if part.strip()) + "."


def cover_html(item: Request, *, notice: str, pages: int, delivered_on: date) -> str:
    context = {
        "item": item,
        "office": settings.OFFICE_NAME,
        "title": citation(item),
        "citation": citation(item),
        "notice": notice,
        "legend": LEGEND,
        "section_108": SECTION_108,
        "pages": pages,
        "delivered_on": delivered_on,
        "expires_on": delivered_on + timedelta(days=settings.REQUESTS_DELIVERY_DAYS),
    }
    return render_to_string("delivery/cover.html", context)
