from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "Lending policy and the clock"

    # Every new request, whatever its channel, meets the office's rules once it is stored: a row
    # of the lifecycle's fan-out (requests_app/lifecycle.py) calls
    # policy.tasks.apply_rules_after_submission.
