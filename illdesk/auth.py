"""The authentication backend: Django's ModelBackend, loading the user's institution with the
user, so a portal page does not spend a second query to find out who is asking. And the lockout
handler: django-axes locks a (username, client IP) pair, and this adds a throttle on an IP that
fails across many usernames (docs/operations.md, "Log-in lockout")."""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db.models import Sum


class InstitutionUserBackend(ModelBackend):
    def get_user(self, user_id: int | str) -> User | None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("institution").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class LockoutHandler(AxesDatabaseHandler):
    """Failures lock the (username, IP) pair they came from (AXES_LOCKOUT_PARAMETERS), so nobody
    can lock a library out from somewhere else; an IP with LOGIN_IP_FAILURE_LIMIT failures across
    all usernames within the cool-off is locked for every username, so guessing many accounts
    from one place is throttled too."""

    def get_failures(self, request: Any, credentials: dict[str, object] | None = None) -> int:
        pair_failures: int = super().get_failures(request, credentials)
        if _failures_from(request) >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(pair_failures, get_failure_limit(request, credentials))
        return pair_failures


def _failures_from(request: Any) -> int:
    recent = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return int(recent.aggregate(total=Sum("failures_since_start"))["total"] or 0)
