"""The searched words without their accents (docs/desk.md, "Search"): the rows whose words hold a
letter outside ASCII are stored again folded, as `search.columns` now stores them."""

from typing import Any

from django.db import migrations

BATCH = 2000


def forwards(apps: Any, schema_editor: Any) -> None:
    from requests_app.search import TEXT_FIELDS, words_of

    Request = apps.get_model("requests_app", "Request")
    rows = Request.objects.filter(search_text__regex=r"[^\x01-\x7f]").order_by("pk")
    after = 0
    while True:
        batch = list(rows.filter(pk__gt=after).only("pk", *TEXT_FIELDS)[:BATCH])
        if not batch:
            return
        for row in batch:
            row.search_text = words_of(" ".join(getattr(row, name) for name in TEXT_FIELDS))
        Request.objects.bulk_update(batch, ["search_text"])
        after = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0015_request_renewal_pending_index"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
