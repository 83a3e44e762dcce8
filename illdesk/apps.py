from django.apps import AppConfig


class IlldeskConfig(AppConfig):
    name = "illdesk"
    verbose_name = "illdesk"

    def ready(self) -> None:
        from illdesk import checks  # noqa: F401  (registers the system checks)
