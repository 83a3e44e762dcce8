"""The identifier keys searched as full-text tokens: a GIN index on to_tsvector('simple',
search_keys) finds one key (or a key's beginning) directly, where the trigram index of 0003 found
digit-only keys (ISSN, ISBN, OCLC numbers share few trigrams) slowly. PostgreSQL only."""

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations


def _indexes() -> tuple[Any, Any]:
    from requests_app.search import KEYS_VECTOR

    trigram = GinIndex(
        fields=["search_keys"], opclasses=["gin_trgm_ops"], name="request_search_keys_trgm"
    )
    return trigram, GinIndex(KEYS_VECTOR, name="request_search_keys_fts")


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        Request = apps.get_model("requests_app", "Request")
        trigram, tokens = _indexes()
        schema_editor.remove_index(Request, trigram)
        schema_editor.add_index(Request, tokens)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        Request = apps.get_model("requests_app", "Request")
        trigram, tokens = _indexes()
        schema_editor.remove_index(Request, tokens)
        schema_editor.add_index(Request, trigram)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0005_request_loan_details"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
