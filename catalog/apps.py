from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "The office's catalog"

    def ready(self) -> None:
        # Every new request, whatever its channel, is looked up once it is stored: a row of the
        # lifecycle's fan-out (requests_app/lifecycle.py) calls catalog.tasks.look_up_after_commit.
        from catalog import shelf  # noqa: F401  (imports pycallnumber while Django starts)
