"""What the desk shows of webhooks: a publication's endpoints and their recent deliveries."""

from django.db.models import Prefetch

from masthead.outbox.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50


def endpoints_of(publication):
    return WebhookEndpoint.objects.filter(publication=publication).order_by("created_at", "id")


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = RECENT_DELIVERIES):
    """The endpoint's latest deliveries with every attempt: three queries whatever the count."""
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("started_at", "id"))
        )
        .order_by("-id")[:limit]
    )
