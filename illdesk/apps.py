from django.apps import AppConfig


class IlldeskConfig(AppConfig):
    name = "illdesk"
    verbose_name = "illdesk"
