"""The credentials outbox becomes the outbox of every email: the rows it holds are kept, as
credentials emails."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0004_one_unflagged_open_registration_per_symbol"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="credentialdelivery", name="credential_delivery_status_valid"
        ),
        migrations.RemoveConstraint(
            model_name="credentialdelivery", name="credential_delivery_sent_has_time"
        ),
        migrations.RemoveConstraint(
            model_name="credentialdelivery", name="credential_delivery_one_pending"
        ),
        migrations.RenameModel(old_name="CredentialDelivery", new_name="OutboxMessage"),
        migrations.RenameIndex(
            model_name="outboxmessage",
            new_name="outbox_status_updated",
            old_name="registratio_status_b7b06a_idx",
        ),
        migrations.AlterModelOptions(
            name="outboxmessage",
            options={
                "ordering": ["-created_at"],
                "verbose_name": "outgoing email",
                "verbose_name_plural": "email outbox",
            },
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="email",
            field=models.CharField(
                default="credentials",
                help_text="Which email: the name of its templates (templates/emails/<name>-*.txt).",
                max_length=60,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="target_id",
            field=models.PositiveBigIntegerField(
                blank=True,
                help_text="The request or verification event the email is about, where it is "
                "not the institution or registration itself.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="institution",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outbox_messages",
                to="registration.institution",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "sent", "failed"])),
                name="outbox_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "sent"), _negated=True),
                    ("sent_at__isnull", False),
                    _connector="OR",
                ),
                name="outbox_sent_has_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("email", "credentials"), ("status", "pending")),
                fields=("institution",),
                name="outbox_one_pending_credentials",
            ),
        ),
    ]
