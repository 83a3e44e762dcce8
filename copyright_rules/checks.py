"""System checks: settings of the copyright app that would otherwise fail only when used (the
scheduled purge runs at night; a bad pacing setting should stop `manage.py check`, not it)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from copyright_rules.retention import pacing_errors
from copyright_rules.services import HeldReevaluation

_SETTINGS = {"batch_size": "COPYRIGHT_PURGE_BATCH_SIZE", "pause": "COPYRIGHT_PURGE_PAUSE"}


@checks.register()
def purge_pacing(**kwargs: object) -> list[checks.CheckMessage]:
    errors = pacing_errors(settings.COPYRIGHT_PURGE_BATCH_SIZE, settings.COPYRIGHT_PURGE_PAUSE)
    return [
        checks.Error(f"{_SETTINGS[name]} {problem}", id="copyright_rules.E001")
        for name, problem in errors.items()
    ]


@checks.register()
def held_reevaluation(**kwargs: object) -> list[checks.CheckMessage]:
    value = settings.COPYRIGHT_HELD_REEVALUATION
    if value in HeldReevaluation.__members__.values():
        return []
    allowed = " or ".join(member.value for member in HeldReevaluation)
    message = f"COPYRIGHT_HELD_REEVALUATION must be {allowed}, not {value!r}"
    return [checks.Error(message, id="copyright_rules.E002")]
