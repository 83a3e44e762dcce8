from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "The office's catalog"

    def ready(self) -> None:
        from catalog import shelf  # noqa: F401  (imports pycallnumber while Django starts)
        from catalog.tasks import look_up_after_commit
        from requests_app.services import register_after_submission

        # Every new request, whatever its channel, is looked up once it is stored.
        register_after_submission(look_up_after_commit)
