"""Sends of a post by email, one delivery row per recipient, and addresses never to mail again."""

from django.db import models
from django.utils import timezone

from masthead.posts.models import Post
from masthead.publications.models import Publication
from masthead.subscriptions.models import Subscription


class SendKind(models.TextChoices):
    NEWSLETTER = "newsletter", "Newsletter"
    TEST = "test", "Test send"
    # An automation's email (welcome sequence, paid upgrade, win-back): masthead.automations.
    AUTOMATION = "automation", "Automation email"
    # The weekly digest, for readers who chose one email a week instead of each post.
    DIGEST = "digest", "Weekly digest"


class SendState(models.TextChoices):
    PREPARING = "preparing", "Preparing"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    DONE = "done", "Done"


class Send(models.Model):
    """One post going out by email. The bodies are rendered once, with placeholders that
    each delivery fills in (unsubscribe link, address)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="sends")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="sends"
    )
    kind = models.CharField(max_length=10, choices=SendKind.choices, default=SendKind.NEWSLETTER)
    state = models.CharField(max_length=10, choices=SendState.choices, default=SendState.PREPARING)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sender = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    # What everyone may read (the whole post, or a paid post's preview); for a paid post, the
    # full version too, for the deliveries whose reader has paid access (gets_full_post). Both
    # are stored with tracking applied; tracked_links holds the links of both, in that order.
    html_template = models.TextField()
    text_template = models.TextField()
    full_html_template = models.TextField(blank=True)
    full_text_template = models.TextField(blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # Opens and clicks: copied from the publication's DeliverySettings when the send is created,
    # so turning tracking off later leaves mail already sent as it was.
    is_tracked = models.BooleanField(default=False)
    # The HTML's links in order; the email links to /t/c/<token>/<index>/, never to a URL.
    tracked_links = models.JSONField(default=list, blank=True)
    open_count = models.PositiveIntegerField(default=0)  # recipients who opened, once each
    click_count = models.PositiveIntegerField(default=0)  # every click
    clicker_count = models.PositiveIntegerField(default=0)  # recipients who clicked, once each

    # A subject test (services.subject_tests): every line competes in a sample; the rest of the
    # deliveries are held until test_decide_at, then go with the winning line. No lines: no
    # test, every delivery gets `subject`.
    subject_lines = models.JSONField(default=list, blank=True)
    test_sample_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    test_wait_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    test_metric = models.CharField(max_length=6, blank=True)  # posts.models.SubjectTestMetric
    test_decide_at = models.DateTimeField(null=True, blank=True)
    test_winner = models.PositiveSmallIntegerField(null=True, blank=True)  # index in the lines
    test_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A post goes out as a newsletter once, however often it is published.
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(kind="newsletter"),
                name="send_newsletter_once_per_post",
            ),
        ]

    def __str__(self):
        return f"Send {self.id}: {self.subject} ({self.state})"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    SUPPRESSED = "suppressed", "Suppressed"


class Delivery(models.Model):
    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(max_length=254)
    # The reader had paid access (billing.access) when the send was fanned out: they get the
    # send's full version of a paid post instead of its preview.
    gets_full_post = models.BooleanField(default=False)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    click_count = models.PositiveIntegerField(default=0)
    # In a subject test: the index of the line this delivery's sample got (null: not in the
    # sample, or no test). A held delivery is queued but never claimed until the test is
    # decided; it then goes with the winning line.
    variant = models.PositiveSmallIntegerField(null=True, blank=True)
    is_held = models.BooleanField(default=False, db_default=False)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["send", "email"], name="delivery_once_per_address"),
        ]
        indexes = [
            models.Index(fields=["send", "state", "id"], name="delivery_claim_idx"),
            # The stats' daily rollups read a day's sends and opens by time.
            models.Index(fields=["sent_at"], name="delivery_sent_at_idx"),
            models.Index(fields=["opened_at"], name="delivery_opened_at_idx"),
        ]

    def __str__(self):
        return f"{self.email} ({self.state})"


class WorkerHeartbeat(models.Model):
    """A process that claims deliveries or runs tasks, and when it last said it was alive.

    The id is unique per process (host:pid:random, the host and pid only for people reading it);
    liveness is the heartbeat's age, never the local kernel's view of a pid, which says nothing
    about a process in another container or PID namespace that shares this host name."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.worker_id} (beat {self.beat_at:%H:%M:%S})"


class DeliverySettings(models.Model):
    """How a publication's email goes out; a publication without a row gets the defaults."""

    publication = models.OneToOneField(
        Publication, on_delete=models.CASCADE, related_name="delivery_settings"
    )
    track_opens_and_clicks = models.BooleanField(
        default=True,
        help_text="Count opens with an invisible image and clicks through a redirect.",
    )

    class Meta:
        verbose_name_plural = "delivery settings"

    def __str__(self):
        return f"Delivery settings of {self.publication_id}"


class DeliveryEventKind(models.TextChoices):
    OPEN = "open", "Opened"
    CLICK = "click", "Clicked"


class DeliveryEvent(models.Model):
    """One open or click of one delivered email."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=5, choices=DeliveryEventKind.choices)
    link_index = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["delivery", "kind"], name="delivery_event_idx"),
            models.Index(fields=["created_at"], name="delivery_event_time_idx"),  # stats
        ]

    def __str__(self):
        return f"{self.kind} of delivery {self.delivery_id}"


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", "Hard bounce"
    COMPLAINT = "complaint", "Spam complaint"
    MANUAL = "manual", "Added by hand"


class Suppression(models.Model):
    """An address that gets no newsletters: from one publication, or from all (publication null)."""

    publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(max_length=254)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "email"], name="suppression_once_per_address"
            ),
        ]
        indexes = [models.Index(fields=["email"], name="suppression_email_idx")]

    def __str__(self):
        return f"{self.email} ({self.reason})"
