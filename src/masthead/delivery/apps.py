from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "masthead.delivery"
    label = "delivery"
