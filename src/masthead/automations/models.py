"""Automations' models: emails that go out a number of days after a reader's event (welcome
sequence, paid upgrade, win-back), the record that each went to a reader once, and the weekly
digest's settings and runs."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from masthead.delivery.models import Send
from masthead.publications.models import Publication
from masthead.subscriptions.models import Subscription

MAX_DELAY_DAYS = 365
MAX_BODY_CHARACTERS = 100_000


class AutomationKind(models.TextChoices):
    WELCOME = "welcome", "Welcome sequence"
    PAID_UPGRADE = "paid_upgrade", "Paid upgrade"
    WIN_BACK = "win_back", "Win-back"


# What starts each kind's clock, for pages and the docs.
TRIGGER_LABELS = {
    AutomationKind.WELCOME: "after subscribing",
    AutomationKind.PAID_UPGRADE: "after starting a paid subscription",
    AutomationKind.WIN_BACK: "after a paid subscription ends",
}


class AutomationEmail(models.Model):
    """One email of an automation, sent `delay_days` after its trigger (services.due_subscriptions).

    `active_since` is when it was last switched on: it goes only to readers whose moment for it
    (trigger + delay) comes at or after that, so a new email never mails the back-catalogue."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="automation_emails"
    )
    kind = models.CharField(max_length=12, choices=AutomationKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    delay_days = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_DELAY_DAYS)]
    )
    subject = models.CharField(max_length=200)
    preview_text = models.CharField(max_length=200, blank=True)
    body_markdown = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    active_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "delay_days", "position", "id"]
        indexes = [
            models.Index(fields=["publication", "kind", "position"], name="automation_email_idx")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject} (day {self.delay_days})"


class AutomationSend(models.Model):
    """A Send (kind automation) written for one automation email in one run."""

    email = models.ForeignKey(AutomationEmail, on_delete=models.CASCADE, related_name="sends")
    send = models.OneToOneField(Send, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.email_id} in send {self.send_id}"


class AutomationDelivery(models.Model):
    """That an automation email went to a subscription: the unique pair is what makes it once."""

    email = models.ForeignKey(AutomationEmail, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email", "subscription"], name="automation_email_once_per_reader"
            ),
        ]
        indexes = [models.Index(fields=["send"], name="automation_delivery_send_idx")]

    def __str__(self):
        return f"{self.email_id} to {self.subscription_id}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class DigestSettings(models.Model):
    """When the weekly digest goes out, in the publication's time zone; no row: the defaults."""

    publication = models.OneToOneField(
        Publication, on_delete=models.CASCADE, related_name="digest_settings"
    )
    is_on = models.BooleanField(default=True)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    hour = models.PositiveSmallIntegerField(default=8, validators=[MaxValueValidator(23)])

    def __str__(self):
        return f"Digest of {self.publication_id}: {self.weekday} {self.hour}:00"


class DigestRun(models.Model):
    """One week's digest of a publication: written once (the unique week), with its send, if
    there were posts and readers to send it to."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="digest_runs"
    )
    week_of = models.DateField(help_text="The local date the digest was due on.")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    post_count = models.PositiveIntegerField(default=0)
    send = models.ForeignKey(
        Send, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "week_of"], name="digest_once_a_week"),
        ]
        ordering = ["-week_of"]

    def __str__(self):
        return f"Digest of {self.publication_id} for {self.week_of}"
