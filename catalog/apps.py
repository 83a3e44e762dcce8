from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "The office's catalog"

    def ready(self) -> None:
        from catalog import shelf  # noqa: F401  (imports pycallnumber while Django starts)
        from catalog.tasks import look_up_if_configured
        from illdesk.tasks import queue_after_submission, register_step
        from requests_app.services import register_after_submission

        # Every new request, whatever its channel, is looked up on a worker once it is stored
        # (one task for every app's step, illdesk/tasks.py); never in the web process.
        register_step(look_up_if_configured, in_web_process=False)
        register_after_submission(queue_after_submission)
