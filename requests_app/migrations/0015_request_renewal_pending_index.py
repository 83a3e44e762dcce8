"""The renewal requests queue reads a partial index of the loans with a renewal asked for and not
yet answered: a few rows, in the queue's order, however large the table. A return or a loss now
ends a pending renewal request too; the loans already returned or lost while one was pending are
cleared here (through the new index), so the column means what its help text says."""

from typing import Any

from django.conf import settings
from django.db import migrations, models


def end_finished_renewal_requests(apps: Any, schema_editor: Any) -> None:
    Request = apps.get_model("requests_app", "Request")
    pending = Request.objects.filter(renewal_requested_at__isnull=False)
    pending.exclude(status__in=("on_loan", "overdue")).update(renewal_requested_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ('copyright_rules', '0006_key_confirmed_by'),
        ('registration', '0008_merge_outbox_and_shipping_address'),
        ('requests_app', '0014_statistics_tallies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='request',
            index=models.Index(condition=models.Q(('renewal_requested_at__isnull', False)), fields=['renewal_requested_at', 'id'], name='request_renewal_pending'),
        ),
        migrations.RunPython(end_finished_renewal_requests, migrations.RunPython.noop),
    ]
