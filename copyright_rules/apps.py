from django.apps import AppConfig


class CopyrightRulesConfig(AppConfig):
    name = "copyright_rules"
    verbose_name = "Copyright rules and records"
