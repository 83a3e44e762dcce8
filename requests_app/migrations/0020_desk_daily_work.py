"""The desk's daily work (docs/desk.md):

- the searched words stored without their accents: the rows whose words hold a letter outside
  ASCII are stored again folded, as `search.columns` now stores them ("Search");
- a partial index of the library messages staff have not opened ("Messages and staff notes");
- the timeline's "Citation corrected" event ("Correcting a citation");
- when a loan out was recalled (`recalled_at`), for the work list's mark ("Queues"), taken from
  the timeline for the loans out now: their last recall, unless a renewal came after it;
- requests the library cancelled (`withdrawn`), marked on the requests cancelled so far by the
  library's own cancel, or by its declining the conditions or the quote; and the statistics'
  tallies by request type and withdrawal ("Statistics"). The tallies are emptied and the next
  refresh rebuilds every day with the new columns."""

from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery

BATCH = 2000
# What the library's cancellations wrote as the reason, before `withdrawn` kept it.
LIBRARY_REASONS = (
    "Cancelled by the institution.",
    "The institution declined the conditions.",
    "The library declined the price quote.",
)


def fold_search_text(apps: Any, schema_editor: Any) -> None:
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


def mark_withdrawn(apps: Any, schema_editor: Any) -> None:
    Request = apps.get_model("requests_app", "Request")
    Request.objects.filter(status="cancelled", reason__in=LIBRARY_REASONS).update(withdrawn=True)


def mark_recalled(apps: Any, schema_editor: Any) -> None:
    Request = apps.get_model("requests_app", "Request")
    RequestEvent = apps.get_model("requests_app", "RequestEvent")

    def last(action: str) -> Any:
        events = RequestEvent.objects.filter(request=OuterRef("pk"), action=action)
        return Subquery(events.order_by("-created_at").values("created_at")[:1])

    out = Request.objects.filter(status__in=("on_loan", "overdue")).annotate(
        recalled=last("recalled"), renewed=last("renewed")
    )
    for pk, recalled, renewed in out.filter(recalled__isnull=False).values_list(
        "pk", "recalled", "renewed"
    ):
        if renewed is None or renewed < recalled:
            Request.objects.filter(pk=pk).update(recalled_at=recalled)


def empty_tallies(apps: Any, schema_editor: Any) -> None:
    for name in ("DayTally", "TurnaroundTally", "InstitutionDayTally"):
        apps.get_model("requests_app", name).objects.all().delete()
    # A refresh that finds no time zone recorded rebuilds every day (requests_app/tallies.py).
    apps.get_model("requests_app", "TallyRefresh").objects.update(time_zone="")


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0019_patron_identifier_and_section_108_rights"),
    ]

    operations = [
        migrations.RunPython(fold_search_text, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="requestevent",
            index=models.Index(
                condition=Q(("action", "library_message"), ("read_at__isnull", True)),
                fields=["created_at"],
                name="requestevent_unread",
            ),
        ),
        migrations.AddField(
            model_name="request",
            name="withdrawn",
            field=models.BooleanField(
                default=False,
                help_text="Cancelled by the library (withdrawn, or its conditions or quote "
                "declined): not counted against the fill rate.",
            ),
        ),
        migrations.RunPython(mark_withdrawn, migrations.RunPython.noop),
        migrations.AddField(
            model_name="request",
            name="recalled_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the office recalled the loan (until a renewal).",
                null=True,
            ),
        ),
        migrations.RunPython(mark_recalled, migrations.RunPython.noop),
        migrations.RunPython(empty_tallies, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="daytally", name="daytally_unique"),
        migrations.RemoveConstraint(model_name="turnaroundtally", name="turnaroundtally_unique"),
        migrations.AddField(
            model_name="daytally",
            name="is_duplication",
            field=models.BooleanField(default=False, help_text="Reproduction orders."),
        ),
        migrations.AddField(
            model_name="daytally",
            name="withdrawn",
            field=models.BooleanField(default=False, help_text="Cancelled by the library."),
        ),
        migrations.AddField(
            model_name="turnaroundtally",
            name="is_duplication",
            field=models.BooleanField(default=False, help_text="Reproduction orders."),
        ),
        migrations.AddField(
            model_name="turnaroundtally",
            name="service",
            field=models.CharField(default="", max_length=8),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="daytally",
            constraint=models.UniqueConstraint(
                fields=(
                    "day",
                    "service",
                    "is_duplication",
                    "status",
                    "refusal_reason",
                    "withdrawn",
                    "outcome",
                ),
                name="daytally_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="turnaroundtally",
            constraint=models.UniqueConstraint(
                fields=("day", "service", "is_duplication", "hours"),
                name="turnaroundtally_unique",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="requestevent",
            name="requestevent_action_valid",
        ),
        migrations.AlterField(
            model_name="requestevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("submitted", "Submitted"),
                    ("claimed", "Claimed"),
                    ("accepted", "Accepted"),
                    ("conditional", "Conditional reply"),
                    ("conditions_accepted", "Conditions accepted"),
                    ("conditions_declined", "Conditions declined"),
                    ("filled", "Copy delivered"),
                    ("shipped", "Shipped"),
                    ("returned", "Returned"),
                    ("holding", "Call number and location recorded"),
                    ("citation_corrected", "Citation corrected"),
                    ("renewed", "Renewed"),
                    ("renewal_requested", "Renewal asked for"),
                    ("renewal_declined", "Renewal declined"),
                    ("recalled", "Recalled"),
                    ("lost", "Marked lost"),
                    ("overdue", "Overdue"),
                    ("overdue_notice", "Overdue notice sent"),
                    ("refused", "Refused"),
                    ("cancelled", "Cancelled"),
                    ("permission", "Permission recorded"),
                    ("determination", "Staff copyright determination"),
                    ("reevaluated", "Copyright re-evaluated"),
                    ("file_removed", "Delivered file removed"),
                    ("quote_sent", "Price quote sent"),
                    ("quote_approved", "Price quote approved"),
                    ("quote_declined", "Price quote declined"),
                    ("message", "Message from the office"),
                    ("library_message", "Message from the library"),
                    ("staff_note", "Staff note"),
                    ("email_failed", "Email not delivered"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddConstraint(
            model_name="requestevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action__in",
                        [
                            "submitted",
                            "claimed",
                            "accepted",
                            "conditional",
                            "conditions_accepted",
                            "conditions_declined",
                            "filled",
                            "shipped",
                            "returned",
                            "holding",
                            "citation_corrected",
                            "renewed",
                            "renewal_requested",
                            "renewal_declined",
                            "recalled",
                            "lost",
                            "overdue",
                            "overdue_notice",
                            "refused",
                            "cancelled",
                            "permission",
                            "determination",
                            "reevaluated",
                            "file_removed",
                            "quote_sent",
                            "quote_approved",
                            "quote_declined",
                            "message",
                            "library_message",
                            "staff_note",
                            "email_failed",
                        ],
                    )
                ),
                name="requestevent_action_valid",
            ),
        ),
    ]
