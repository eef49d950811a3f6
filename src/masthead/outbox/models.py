"""The outbox: events written in the same transaction as each change, the webhook endpoints that
hear about them, and each endpoint's deliveries with every attempt made."""

import uuid

from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class Event(models.Model):
    """Something that changed, appended with the change itself. The primary key is the sequence:
    rows are numbered in the order they were written. `public_id` is what receivers dedupe on;
    `body` is the exact JSON posted, fixed at write time so every retry sends the same bytes."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="events")
    public_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=50)
    data = models.JSONField(default=dict)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the event has been fanned out into deliveries (or found nobody to go to).
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_event_undispatched",
            )
        ]

    def __str__(self):
        return f"{self.type} {self.public_id}"

    @property
    def sequence(self) -> int:
        return self.id

    @staticmethod
    def new_public_id() -> str:
        return f"evt_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A URL the publication's owners asked to receive events at, signed with its secret."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    event_types = models.JSONField(default=list)
    # Kept in clear: it signs every request. It is shown to the writer once, when created.
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.url

    @property
    def secret_hint(self) -> str:
        return f"…{self.secret[-4:]}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Gave up"


class WebhookDelivery(models.Model):
    """One event on its way to one endpoint. An endpoint's deliveries go out in `id` order: the
    next waits until the one before it succeeded or was given up on. A worker claims one by
    setting `claimed_until` with a conditional UPDATE; a worker that dies lets the claim lapse."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    # Retrying stops a day after the first try, not after the event: a delivery that waited
    # behind an earlier one still gets its full day.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(fields=["endpoint", "state", "id"], name="webhook_delivery_queue"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One try at a delivery: what the endpoint answered, or why there was no answer."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    is_success = models.BooleanField(default=False)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.delivery_id}: {self.status_code or self.error}"
