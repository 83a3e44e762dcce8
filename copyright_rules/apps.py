from django.apps import AppConfig


class CopyrightRulesConfig(AppConfig):
    name = "copyright_rules"
    verbose_name = "Copyright rules and records"

    def ready(self) -> None:
        from copyright_rules import checks  # noqa: F401  (registers the system checks)
