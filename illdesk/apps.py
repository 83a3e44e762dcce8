import axes.apps
from django.apps import AppConfig


class IlldeskConfig(AppConfig):
    name = "illdesk"
    verbose_name = "illdesk"

    def ready(self) -> None:
        from illdesk import checks  # noqa: F401  (registers the system checks)


class LockoutsConfig(axes.apps.AppConfig):
    """django-axes under a name staff understand, as the admin's section heading; its label
    (`axes`), models and migrations are the library's own."""

    default = False  # IlldeskConfig stays the configuration of the illdesk app itself
    verbose_name = "Log-in lockouts"
