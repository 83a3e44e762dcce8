from __future__ import annotations

import pytest
from django.test import Client

from requests_app.iso18626.models import IsoMessage
from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import copy_request, loan_request, make_partner, post, action

pytestmark = pytest.mark.django_db

def cp(old: bytes, new: bytes, rid: str = "c") -> bytes:
    body = copy_request(rid, article="Art")
    assert old in body
    return body.replace(old, new)

CASES = {
    "longid": loan_request("x" * 5000),
    "longagency": loan_request("a", requester="Z" * 5000),
    "need9999": cp(b"<serviceType>Copy</serviceType>", b"<serviceType>Copy</serviceType><needBeforeDate>99999-01-01</needBeforeDate>"),
    "need-feb30": cp(b"<serviceType>Copy</serviceType>", b"<serviceType>Copy</serviceType><needBeforeDate>2999-02-30</needBeforeDate>"),
    "cost-inf": cp(b"</request>", b"<billingInfo><maximumCosts><currencyCode>USD</currencyCode><monetaryValue>1e999999</monetaryValue></maximumCosts></billingInfo></request>"),
    "cost-neg0": cp(b"</request>", b"<billingInfo><maximumCosts><currencyCode>USD</currencyCode><monetaryValue>-0</monetaryValue></maximumCosts></billingInfo></request>"),
    "cost-arabic": cp(b"</request>", "<billingInfo><maximumCosts><currencyCode>USD</currencyCode><monetaryValue>١٢</monetaryValue></maximumCosts></billingInfo></request>".encode()),
    "cost-tiny": cp(b"</request>", b"<billingInfo><maximumCosts><currencyCode>USD</currencyCode><monetaryValue>0.0000000000000000000000001</monetaryValue></maximumCosts></billingInfo></request>"),
    "cost-9999999.999": cp(b"</request>", b"<billingInfo><maximumCosts><currencyCode>USD</currencyCode><monetaryValue>999999.999</monetaryValue></maximumCosts></billingInfo></request>"),
    "pages-fullwidth": cp(b"10-20", "１２-１５".encode()),
    "pages-arabic": cp(b"10-20", "١٢-١٥".encode()),
    "patron-long": cp(b"</request>", b"<patronInfo><patronId>" + b"p" * 5000 + b"</patronId></patronInfo></request>"),
    "volume-long": cp(b"<volume>12</volume>", b"<volume>" + b"9" * 5000 + b"</volume>"),
    "issn-weird": cp(b"0028-0836", "００２８-０８３６".encode()),
    "date-weird": cp(b"<publicationDate>2025</publicationDate>", b"<publicationDate>0000-00-00</publicationDate>"),
    "date-weird2": cp(b"<publicationDate>2025</publicationDate>", "<publicationDate>٢٠٢٥</publicationDate>".encode()),
    "basis-weird": cp(b"US-CCG", b"US-CCL").replace(b"</serviceInfo>", "<note>#CCL-BASIS:fair_use# #CCL-BASIS:public_domain#</note></serviceInfo>".encode()),
    "basis-weird2": cp(b"US-CCG", b"US-CCL").replace(b"</serviceInfo>", "<note>#CCL-BASIS:FAIR_USE#</note></serviceInfo>".encode()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_probe(client: Client, name: str) -> None:
    make_partner(make_institution())
    response = post(client, CASES[name])
    from tests.requests_app.iso18626.helpers import find
    print("\n##", name, response.status_code, find(response.content, "confirmationHeader/messageStatus"), find(response.content, "errorData/errorValue")[:200])
    for r in Request.objects.all():
        print("  ", r.pages, r.pages_requested, r.max_cost, r.need_by, r.publication_date, r.issn, r.patron_id[:20], r.volume[:20], r.delivery_notes[:200], r.record.basis if r.record_id else None)
    assert response.status_code < 500
