"""Secrets stay secret: the assigned password and session keys never reach a log, an error page or
any email but the credentials email itself."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from registration.models import Registration
from tests.registration.conftest import REGISTRATION_FORM
from tests.registration.factories import current_terms
from tests.registration.helpers import decide, password_in
from tests.services import CeleryWorker, SmtpServer, forget_broker_connections


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of every logger, from DEBUG up."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_credentials_flow_logs_neither_the_password_nor_the_session_key(
    all_logs: pytest.LogCaptureFixture,
    celery_worker: CeleryWorker,
    smtp_server: SmtpServer,
    admin_client: Client,
) -> None:
    forget_broker_connections()
    form = {**REGISTRATION_FORM, "terms_version": str(current_terms().pk)}
    Client().post(reverse("registration:register"), form)
    decide(admin_client, Registration.objects.get(), "approve", "Phoned and confirmed.")
    credentials = next(
        m for m in smtp_server.wait_for(1) if "Password:" in str(m.get_body(("plain",)))
    )
    password = password_in(credentials)
    librarian = Client()
    librarian.post(reverse("login"), {"username": "SPL", "password": password})
    librarian.get(reverse("requests:dashboard"))
    session_key = librarian.session.session_key
    assert session_key and admin_client.session.session_key

    # aiosmtpd ("mail.log") is the test's mail server: it receives the email, so it sees it.
    application = [r for r in all_logs.records if not r.name.startswith("mail.")]
    captured = "\n".join(all_logs.handler.format(r) for r in application) + celery_worker.log()
    assert any(r.levelno == logging.DEBUG for r in application) and "credentials" in captured
    assert password not in captured
    assert session_key not in captured
    assert admin_client.session.session_key not in captured
    others = [m for m in smtp_server.messages if m is not credentials]
    assert not any(password in m.as_string() for m in others)


@pytest.mark.django_db
def test_a_server_error_page_shows_no_secrets(
    monkeypatch: pytest.MonkeyPatch, admin_client: Client
) -> None:
    session_key = admin_client.session.session_key
    assert session_key is not None
    secret_text = f"{settings.SECRET_KEY} {session_key} internal detail"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(secret_text)

    monkeypatch.setattr("illdesk.views.render", broken)
    admin_client.raise_request_exception = False

    response = admin_client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 500
    assert settings.DEBUG is False
    assert settings.SECRET_KEY not in body
    assert session_key not in body
    assert "internal detail" not in body and "Traceback" not in body
