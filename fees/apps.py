from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = "Fees and invoices"

    def ready(self) -> None:
        # An unpaid charge keeps its request's record from the purge (docs/fees.md, "Retention").
        from copyright_rules.models import protect_from_purge
        from fees.models import unpaid_charge_of_record

        protect_from_purge(unpaid_charge_of_record)
