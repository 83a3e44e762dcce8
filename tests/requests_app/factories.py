"""Requests built through the real submission service, so each has its copyright record and
decision exactly as the application stores them."""

from typing import Any

from django.contrib.auth.models import User

from copyright_rules.facts import RequestFacts
from registration.models import Institution
from requests_app import services
from requests_app.models import Request
from tests.copyright_rules.factories import request_of

COPY_FIELDS: dict[str, Any] = {
    "work_kind": "periodical",
    "title": "Journal of Testing",
    "issn": "0028-0836",
    "article_title": "On tests",
    "author": "Smith, A.",
    "volume": "12",
    "issue": "3",
    "publication_date": "2024",
    "pages": "10-20",
}


def copy_facts(fields: dict[str, Any], **overrides: Any) -> RequestFacts:
    facts: dict[str, Any] = {
        "work_kind": fields.get("work_kind", "periodical"),
        "title": fields.get("title"),
        "issns": [fields["issn"]] if fields.get("issn") else [],
        "isbns": [fields["isbn"]] if fields.get("isbn") else [],
        "author": fields.get("author"),
        "publication_date": fields.get("publication_date"),
        "volume": fields.get("volume"),
        "issue": fields.get("issue"),
        "article": fields.get("article_title"),
        "patron_ref": fields.get("patron_id"),  # the patron of R7, never "Your reference"
        "statement": "CCG",
        "extent": "one_article",
    }
    return request_of({**facts, **overrides})


def make_copy(institution: Institution, *, user: User | None = None, **fields: Any) -> Request:
    facts_overrides = fields.pop("facts", {})
    merged = {**COPY_FIELDS, **fields}
    return services.submit_copy_request(
        institution,
        fields=merged,
        facts=copy_facts(merged, **facts_overrides),
        acting_user=user or institution.user,
    )


def make_loan(institution: Institution, *, user: User | None = None, **fields: Any) -> Request:
    merged = {"title": "A Book to Borrow", "author": "Doe, J.", "tried_elsewhere": True, **fields}
    return services.submit_loan_request(
        institution, fields=merged, acting_user=user or institution.user
    )
