from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "masthead.outbox"
    label = "outbox"
    verbose_name = "Events and webhooks"
