from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "masthead.billing"
    verbose_name = "Paid subscriptions"
