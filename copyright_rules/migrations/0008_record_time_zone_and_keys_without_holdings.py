"""Each record keeps the zone that dated it, and is purged by the date in that zone; and no
record is keyed by a holding any more (docs/copyright.md section 10, rulings 2 and 10).

Records made before this migration were dated in the COPYRIGHT_TIME_ZONE configured now (the
best knowledge there is); their purge time is the start of their purge date in that zone. Records
of reproduction orders keyed `HOLDING:...` get the key every other copy gets, from their title or
work, with the title authority as it is.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

from copyright_rules.facts import RequestFacts
from copyright_rules.keys import Authority, IdentifierKind, citation_key, cited_identifiers

_HOLDING_SOURCE = "holding"


def _date_records(apps, schema_editor):  # type: ignore[no-untyped-def]
    record = apps.get_model("copyright_rules", "Record")
    zone_name = settings.COPYRIGHT_TIME_ZONE
    zone = ZoneInfo(zone_name)
    # One UPDATE per purge date: they are 1 January of a handful of years.
    for day in record.objects.order_by().values_list("purge_on", flat=True).distinct():
        start = datetime.combine(day, time.min, tzinfo=zone)
        record.objects.filter(purge_on=day).update(time_zone=zone_name, purge_at=start)


def _rekey_holdings(apps, schema_editor):  # type: ignore[no-untyped-def]
    record_model = apps.get_model("copyright_rules", "Record")
    identifier_model = apps.get_model("copyright_rules", "TitleIdentifier")
    records = list(record_model.objects.filter(key_source=_HOLDING_SOURCE))
    if not records:
        return
    facts = {
        record.pk: RequestFacts.from_citation(
            {**(record.citation or {}), "work_kind": record.work_kind or None},
            created_at=record.created_at,
            service=record.service,
        )
        for record in records
    }
    cited = {
        identifier
        for record in records
        for identifier in cited_identifiers(
            record.work_kind, facts[record.pk].title, facts[record.pk].issns, facts[record.pk].isbns
        )
    }
    authority = _authority(identifier_model, cited)
    for record in records:
        cited_facts = facts[record.pk]
        key = citation_key(
            cited_facts.work_kind,
            cited_facts.title,
            cited_facts.author,
            cited_facts.issns,
            cited_facts.isbns,
            authority,
        )
        record.title_key = key.key or ""
        record.key_source = key.source.value if key.key else ""
        record.save(update_fields=["title_key", "key_source"])


def _authority(identifier_model, cited):  # type: ignore[no-untyped-def]
    issn_groups: dict[str, list[str]] = {}
    isbn_groups: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    values = {value for _, value in cited}
    rows = identifier_model.objects.filter(value__in=values)
    for group_id, kind, value in rows.values_list("group_id", "kind", "value"):
        if (kind, value) not in cited:
            continue
        if kind == IdentifierKind.ISBN:
            isbn_groups.setdefault(str(group_id), []).append(value)
        elif kind == IdentifierKind.ISSN:
            issn_groups.setdefault(str(group_id), []).append(value)
        else:
            issn_groups.setdefault(str(group_id), [])
            titles[value] = str(group_id)
    return Authority.of_groups(
        issn_groups=list(issn_groups.values()),
        issn_group_ids=list(issn_groups),
        title_groups=titles,
        isbn_groups=list(isbn_groups.values()),
        isbn_group_ids=list(isbn_groups),
    )


class Migration(migrations.Migration):
    dependencies = [("copyright_rules", "0007_authority_version")]

    operations = [
        migrations.AddField(
            model_name="record",
            name="time_zone",
            field=models.CharField(
                default="",
                editable=False,
                help_text="COPYRIGHT_TIME_ZONE when the request was made: the zone of its local "
                "date, its year and its purge date.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="record",
            name="purge_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(_date_records, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(_rekey_holdings, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="record",
            name="purge_at",
            field=models.DateTimeField(
                editable=False, help_text="The start of the purge date in the record's time zone."
            ),
        ),
        migrations.RemoveIndex(model_name="record", name="record_purge_on"),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(fields=["purge_at"], name="record_purge_at"),
        ),
    ]
