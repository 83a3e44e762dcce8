"""The settings module, loaded in fresh interpreters with controlled environments."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 20 + "-a-long-random-production-secret-key-0123456789"
_CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k
    not in {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "EMAIL_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "TIME_ZONE",
        "ILLDESK_PRODUCTION",
        "CACHE_URL",
        "DJANGO_SETTINGS_MODULE",
    }
}

PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"engine": db["ENGINE"], "options": db.get("OPTIONS", {}),
  "eager": settings.CELERY_TASK_ALWAYS_EAGER, "email": settings.EMAIL_BACKEND,
  "debug": settings.DEBUG, "tz": settings.TIME_ZONE, "hasher": settings.PASSWORD_HASHERS[0],
  "conn_health": db.get("CONN_HEALTH_CHECKS", False)}))
"""


def run_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env={**_CLEAN, "DJANGO_SETTINGS_MODULE": "illdesk.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(**env: str) -> dict[str, object]:
    result = run_django(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_wal_immediate_eager_console() -> None:
    found = probe()

    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["options"]["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]
    assert "journal_mode=WAL" in found["options"]["init_command"]  # type: ignore[index]
    assert found["eager"] is True
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"
    assert found["debug"] is False
    assert found["tz"] == "America/New_York"
    assert found["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_environment_switches_to_the_full_stack() -> None:
    found = probe(
        DATABASE_URL="postgres://u:p@db.example:5432/ill",
        CELERY_BROKER_URL="redis://r:6379/0",
        EMAIL_URL="smtp://mail.example:25",
        TIME_ZONE="Europe/London",
        DEBUG="true",
    )

    assert found["engine"] == "django.db.backends.postgresql"
    assert found["conn_health"] is True
    assert found["eager"] is False
    assert found["email"] == "illdesk.mail.EmailBackend"  # Django's, with a total deadline
    assert found["tz"] == "Europe/London"
    assert found["debug"] is True


def test_the_embedded_broker_is_a_queue_of_files_in_the_data_folder(tmp_path: Path) -> None:
    """What `manage.py serve` gives its processes when no broker is set (docs/operations.md)."""
    result = run_django(
        "from django.conf import settings\n"
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_TRANSPORT_OPTIONS)",
        CELERY_BROKER_URL="filesystem://localhost/",
        ILLDESK_DATA_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    eager, options = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert eager == "False"
    assert f"'data_folder_in': '{tmp_path / 'queue'}'" in options
    assert f"'data_folder_out': '{tmp_path / 'queue'}'" in options


@pytest.mark.parametrize("key", [None, "short-key"])
def test_production_refuses_to_start_without_a_real_secret_key(key: str | None) -> None:
    env = {"ILLDESK_PRODUCTION": "true"} | ({"SECRET_KEY": key} if key else {})

    result = run_django("print('started')", **env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deploy_check_is_clean_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **_CLEAN,
            "ILLDESK_PRODUCTION": "true",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "ill.example.org",
            "SITE_URL": "https://ill.example.org",
            "OFFICE_EMAIL": "ill@example.org",
        },
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_emails_come_from_the_office_and_the_address_may_span_lines() -> None:
    code = (
        "from django.conf import settings\n"
        "print(repr((settings.DEFAULT_FROM_EMAIL, settings.OFFICE_ADDRESS)))"
    )
    env = {
        "OFFICE_NAME": "Loan Division",
        "OFFICE_EMAIL": "loans@library.example",
        "OFFICE_ADDRESS": r"101 Example Avenue SE\nWashington, DC 20540",
        "DEFAULT_FROM_EMAIL": "",
    }
    result = run_django(code, **env)
    assert result.returncode == 0, result.stderr
    expected = (
        "Loan Division <loans@library.example>",
        "101 Example Avenue SE\nWashington, DC 20540",
    )
    assert result.stdout.strip().splitlines()[-1] == repr(expected)


def test_deploy_checks_warn_of_development_email_addresses() -> None:
    code = (
        "from django.core.management import call_command\n"
        "call_command('check', '--deploy', '--fail-level', 'CRITICAL')"
    )
    defaults = run_django(code)
    assert "illdesk.W001" in defaults.stderr and "illdesk.W002" in defaults.stderr
    configured = run_django(
        code, SITE_URL="https://ill.library.example", OFFICE_EMAIL="ill@library.example"
    )
    assert "illdesk.W00" not in configured.stderr + configured.stdout


def test_the_deploy_check_refuses_an_http_site_url_in_production() -> None:
    code = (
        "from django.core.management import call_command\n"
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )
    production = {
        "ILLDESK_PRODUCTION": "true",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "ill.example.org",
        "OFFICE_EMAIL": "ill@example.org",
    }
    plain = run_django(code, SITE_URL="http://ill.example.org", **production)
    assert plain.returncode != 0 and "illdesk.W003" in plain.stderr
    secure = run_django(code, SITE_URL="https://ill.example.org", **production)
    assert "illdesk.W003" not in secure.stderr + secure.stdout
