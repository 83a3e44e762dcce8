"""System checks: settings of the copyright app that would otherwise fail only when used (the
scheduled purge runs at night; a bad pacing setting should stop `manage.py check`, not it; the
rules' settings are built once, when first used)."""

from __future__ import annotations

from zoneinfo import ZoneInfoNotFoundError

from django.conf import settings
from django.core import checks

from copyright_rules.retention import pacing_errors
from copyright_rules.services import HeldReevaluation, rule_settings

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


@checks.register()
def rule_settings_valid(**kwargs: object) -> list[checks.CheckMessage]:
    """The COPYRIGHT_* settings the rules read (docs/copyright.md section 2), built once: a bad
    value stops `manage.py check` rather than the first copy request."""
    try:
        rule_settings()
    except (ValueError, ZoneInfoNotFoundError) as error:
        return [
            checks.Error(f"a copyright setting is not valid: {error}", id="copyright_rules.E003")
        ]
    return []
