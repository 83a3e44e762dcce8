from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = "Fees and invoices"

    def ready(self) -> None:
        # An unpaid charge keeps its request's record from the purge (docs/fees.md, "Retention").
        from copyright_rules.models import protect_from_purge
        from fees import emails
        from fees.models import unpaid_charge_of_record
        from registration import outbox

        protect_from_purge(unpaid_charge_of_record)
        outbox.register("invoice-reminder", outbox.Email(send=emails.send_queued_reminder))
