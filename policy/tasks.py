from celery import shared_task
from django.utils import timezone

from policy import services


@shared_task(name="policy.flag_requests")
def flag_requests() -> int:
    """Flag requests answered late or past their need-before date (docs/policy.md)."""
    return services.flag_requests(timezone.localdate())
