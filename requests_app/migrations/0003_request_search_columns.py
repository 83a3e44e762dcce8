"""The search columns (requests_app/search.py), filled for existing requests, and on PostgreSQL
their GIN indexes: trigrams for the identifiers, full text for the words."""

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

BATCH = 2000


def fill(apps: Any, schema_editor: Any) -> None:
    # The normaliser is the application's own, so that existing rows match what new ones store.
    from requests_app.search import IDENTIFIER_FIELDS, TEXT_FIELDS, VECTOR, columns

    Request = apps.get_model("requests_app", "Request")
    names = (*IDENTIFIER_FIELDS, *TEXT_FIELDS)
    last = 0
    while True:
        batch = list(Request.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            break
        for row in batch:
            for name, value in columns({n: getattr(row, n) for n in names}).items():
                setattr(row, name, value)
        Request.objects.bulk_update(batch, ["search_keys", "search_text"])
        last = batch[-1].pk
    if schema_editor.connection.vendor == "postgresql":
        for index in _indexes(VECTOR):
            schema_editor.add_index(Request, index)


def _indexes(vector: Any) -> list[Any]:
    return [
        GinIndex(
            fields=["search_keys"], opclasses=["gin_trgm_ops"], name="request_search_keys_trgm"
        ),
        GinIndex(vector, name="request_search_text_fts"),
    ]


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        from requests_app.search import VECTOR

        Request = apps.get_model("requests_app", "Request")
        for index in _indexes(VECTOR):
            schema_editor.remove_index(Request, index)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0002_email_failed_event"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="request",
            name="search_keys",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The identifiers, normalised: ' KEY1 KEY2 '.",
            ),
        ),
        migrations.AddField(
            model_name="request",
            name="search_text",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Title, article title and author, lower case.",
            ),
        ),
        migrations.RunPython(fill, drop_indexes),
    ]
