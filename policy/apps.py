from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "Lending policy and the clock"

    # Every new request, whatever its channel, meets the office's rules once it is stored: a step
    # of the one task after each submission (illdesk/tasks.py, STEPS), in-process when no worker
    # can take it, so that no request goes unevaluated.
