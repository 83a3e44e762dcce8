from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "The office's catalog"

    def ready(self) -> None:
        from catalog import shelf  # noqa: F401  (imports pycallnumber while Django starts)
