from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "masthead.automations"
    label = "automations"
