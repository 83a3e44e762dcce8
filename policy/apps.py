from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "Lending policy and the clock"

    def ready(self) -> None:
        # Every new request, whatever its channel, meets the office's rules once it is stored.
        from illdesk.tasks import queue_after_submission, register_step
        from policy import services, tasks  # noqa: F401  (registers the policy's tasks)
        from requests_app.services import register_after_submission

        # On the worker with the other apps' steps, in one task (illdesk/tasks.py); in-process
        # when there is no worker, so that no request goes unevaluated.
        register_step(services.apply_rules, in_web_process=True)
        register_after_submission(queue_after_submission)
