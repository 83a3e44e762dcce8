import re
from email.message import EmailMessage
from typing import Any

from django.apps import apps
from django.core.mail import EmailMessage as DjangoEmail
from django.db import connection, models
from django.test import Client
from django.urls import reverse

from registration.models import Registration

PASSWORD_LINE = re.compile(r"^Password:[ \t]+(\S+)\s*$", re.MULTILINE)


def decide(client: Client, registration: Registration, decision: str, text: str = "") -> Any:
    url = reverse("admin:registration_registration_decide", args=[registration.pk, decision])
    confirmed = {"confirm_rejection": "on"} if decision == "reject" else {}
    return client.post(url, {"text": text, **confirmed})


def password_in(message: DjangoEmail | EmailMessage) -> str:
    if isinstance(message, DjangoEmail):
        body = str(message.body)
    else:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        body = part.get_content()
    found = PASSWORD_LINE.search(body)
    assert found, "the credentials email names the password"
    return found.group(1)


def every_text_value() -> list[str]:
    """Every character column of every row in the database."""
    values: list[str] = []
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        if columns:
            for row in model._default_manager.values_list(*columns):
                values.extend(str(v) for v in row if v)
    return values
