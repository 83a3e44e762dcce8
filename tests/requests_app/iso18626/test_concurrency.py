"""The same request sent twice at the same moment (a peer's retry racing its first attempt)
stores one request, and both get the same confirmation."""

from __future__ import annotations

import threading
import urllib.request
from typing import Any

import pytest

from requests_app.models import Request
from tests.factories import make_institution
from tests.requests_app.iso18626.helpers import TOKEN, copy_request, make_partner

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _post(url: str, body: bytes) -> bytes:
    request = urllib.request.Request(
        url, data=body, headers={"Authorization": f"Bearer {TOKEN}"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        answer: bytes = response.read()
    return answer


def test_simultaneous_duplicates_store_one_request(live_server: Any) -> None:
    make_partner(make_institution())
    body = copy_request("race-1", article="Raced article")
    barrier = threading.Barrier(4)
    answers: list[bytes] = []

    def send() -> None:
        barrier.wait()
        answers.append(_post(f"{live_server.url}/iso18626/", body))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == 4 and len(set(answers)) == 1
    assert b"<messageStatus>OK</messageStatus>" in answers[0]
    assert Request.objects.count() == 1
