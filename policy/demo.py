"""Demonstration days to respond, so the desk's clock has something to count. Idempotent: a
service that has its row keeps it."""

from io import TextIOBase

from policy.models import ResponseTime
from requests_app.models import RequestType

DEMO_WORKING_DAYS = {RequestType.LOAN: 5, RequestType.COPY: 3, RequestType.REPRODUCTION: 15}


def seed_demo(stdout: TextIOBase) -> None:
    for request_type, days in DEMO_WORKING_DAYS.items():
        ResponseTime.objects.get_or_create(
            request_type=request_type, defaults={"working_days": days}
        )
    stdout.write("Demo days to respond set.\n")
