from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "Lending policy and the clock"

    def ready(self) -> None:
        # Every new request, whatever its channel, meets the office's rules once it is stored.
        from policy import tasks
        from requests_app.services import register_after_submission

        register_after_submission(tasks.apply_rules_after_submission)
