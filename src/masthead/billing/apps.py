from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "masthead.billing"
    verbose_name = "Paid subscriptions"

    def ready(self):
        from masthead.billing import checks  # noqa: F401  (registers the system checks)
