"""System checks for the settings every email depends on: a deployment still using the
development defaults would send libraries links to 127.0.0.1 and a reply address that does not
exist. Warnings, shown by `manage.py check --deploy` and at start-up in production."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@checks.register(checks.Tags.security, deploy=True)
def email_addresses(**kwargs: object) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    if (urlsplit(settings.SITE_URL).hostname or "") in _LOCAL_HOSTS:
        found.append(
            checks.Warning(
                f"SITE_URL is {settings.SITE_URL}: every email links there.",
                hint="Set SITE_URL to the address libraries use.",
                id="illdesk.W001",
            )
        )
    if settings.PRODUCTION and urlsplit(settings.SITE_URL).scheme != "https":
        # The links emailed carry signed tokens (a registration's update link, a partner's copy
        # link): over plain HTTP anyone on the path could read and use them.
        found.append(
            checks.Warning(
                f"SITE_URL is {settings.SITE_URL}: production links must use https.",
                hint="Set SITE_URL to the https:// address libraries use.",
                id="illdesk.W003",
            )
        )
    if settings.OFFICE_EMAIL.endswith(".invalid"):
        found.append(
            checks.Warning(
                f"OFFICE_EMAIL is {settings.OFFICE_EMAIL}: libraries cannot write to it.",
                hint="Set OFFICE_EMAIL (and OFFICE_PHONE, OFFICE_ADDRESS, OFFICE_HOURS).",
                id="illdesk.W002",
            )
        )
    return found
