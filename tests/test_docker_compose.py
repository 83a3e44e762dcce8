"""docker-compose.yml cannot run on a machine without Docker: validate its structure instead."""

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_declares_the_whole_stack() -> None:
    services = compose()["services"]

    assert set(services) == {"web", "worker", "beat", "db", "redis", "mail"}


def test_app_services_share_the_production_environment() -> None:
    services = compose()["services"]

    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["ILLDESK_PRODUCTION"] == "true"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_there_is_exactly_one_beat_scheduler_and_a_database_healthcheck() -> None:
    services = compose()["services"]

    assert services["beat"]["deploy"]["replicas"] == 1
    assert "celery -A illdesk beat" in services["beat"]["command"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "gunicorn" in services["web"]["command"]


def test_dockerfile_serves_with_gunicorn_as_an_unprivileged_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "USER illdesk" in dockerfile
    assert "collectstatic" in dockerfile
    assert '"gunicorn"' in dockerfile
