from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "masthead.delivery"
    label = "delivery"

    def ready(self):
        # Loaded up front, so a worker that claims a send task starts it (and queues its
        # successor) at once instead of importing first: a kill in between would stop a chain.
        from masthead.delivery import tasks  # noqa: F401
        from masthead.delivery.bounces import connect_tracking_signals

        connect_tracking_signals()
