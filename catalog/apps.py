from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "The office's catalog"

    def ready(self) -> None:
        # Every new request, whatever its channel, is looked up on a worker once it is stored: a
        # step of the one task after each submission (illdesk/tasks.py, STEPS), never in the web
        # process.
        from catalog import shelf  # noqa: F401  (imports pycallnumber while Django starts)
