"""The writer's numbers: raw page views, and the daily tables the dashboard reads.

Raw rows (PageHit) are written in batches by the collector (collect.py) and read only by the
rollup (rollups.py), which rebuilds any day's rows of the Daily* tables, PostTotals,
PostLinkClicks and SubscriberActivity idempotently: delete that day's rows, insert them again,
in one transaction. The dashboard (queries.py) reads only the rollup tables, so its queries
are fixed in number and cheap whatever the size of the raw tables.

A "day" is a calendar day in the publication's time zone.
"""

from django.db import models
from django.utils import timezone

from masthead.posts.models import Post
from masthead.publications.models import Publication
from masthead.subscriptions.models import Subscription


class Device(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    OTHER = "other", "Other"


class PageHit(models.Model):
    """One page served to a person (not a bot) who did not ask not to be counted.

    `visitor` is a hash of the address and user agent salted with the day's random salt
    (VisitorSalt), which is deleted once its day is over: the raw address is never stored,
    and the same reader cannot be followed from one day to the next.
    """

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=300)
    viewed_at = models.DateTimeField(default=timezone.now)
    visitor = models.CharField(max_length=32)
    referrer_host = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True)
    device = models.CharField(max_length=8, choices=Device.choices, default=Device.OTHER)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["publication", "viewed_at"], name="pagehit_day_idx")]

    def __str__(self) -> str:
        return f"{self.path} at {self.viewed_at:%Y-%m-%d %H:%M}"


class VisitorSalt(models.Model):
    """The random salt of one UTC day's visitor hashes; deleted when the day is over."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"salt of {self.day}"


class DailyPublicationStats(models.Model):
    """One publication's day: subscribers at its end, their movement, web and email activity."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    total = models.PositiveIntegerField(default=0)  # active subscribers at the end of the day
    free = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)  # paying or comped at the end of the day
    gained = models.PositiveIntegerField(default=0)  # subscribed (confirmed) that day
    lost = models.PositiveIntegerField(default=0)  # unsubscribed that day
    paid_gained = models.PositiveIntegerField(default=0)
    paid_lost = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    emails_sent = models.PositiveIntegerField(default=0)
    opens = models.PositiveIntegerField(default=0)  # first opens that day
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "day"], name="daily_publication_once")
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} on {self.day}"


class DailySourceStats(models.Model):
    """Subscribers gained on a day by where they came from (source, and UTM campaign)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    source = models.CharField(max_length=16)
    campaign = models.CharField(max_length=100, blank=True)
    gained = models.PositiveIntegerField(default=0)
    paid_gained = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "day", "source", "campaign"], name="daily_source_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.campaign} on {self.day}"


class TrafficDimension(models.TextChoices):
    REFERRER = "referrer", "Referrers"
    COUNTRY = "country", "Countries"
    DEVICE = "device", "Devices"
    UTM_SOURCE = "utm_source", "UTM sources"
    UTM_MEDIUM = "utm_medium", "UTM media"
    UTM_CAMPAIGN = "utm_campaign", "UTM campaigns"
    PAGE = "page", "Pages"


class DailyTraffic(models.Model):
    """Views and visitors of a day broken down by one dimension (referrer, country, ...)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    dimension = models.CharField(max_length=12, choices=TrafficDimension.choices)
    value = models.CharField(max_length=300)
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "day", "dimension", "value"], name="daily_traffic_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} on {self.day}"


class DailyPostStats(models.Model):
    """One post's day: web views, email opens and clicks, engagement, subscribers it brought."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    opens = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    restacks = models.PositiveIntegerField(default=0)
    free_signups = models.PositiveIntegerField(default=0)
    paid_signups = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "day"], name="daily_post_once")]
        indexes = [models.Index(fields=["publication", "day"], name="daily_post_day_idx")]

    def __str__(self) -> str:
        return f"post {self.post_id} on {self.day}"


class PostTotals(models.Model):
    """A post's numbers to date, rebuilt by the rollup from the send and the daily rows."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, primary_key=True, related_name="+")
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    recipients = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    opens = models.PositiveIntegerField(default=0)  # recipients who opened, once each
    clicks = models.PositiveIntegerField(default=0)
    clickers = models.PositiveIntegerField(default=0)  # recipients who clicked, once each
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)  # the sum of each day's unique visitors
    likes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    restacks = models.PositiveIntegerField(default=0)
    free_signups = models.PositiveIntegerField(default=0)
    paid_signups = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["publication"], name="post_totals_publication_idx")]

    def __str__(self) -> str:
        return f"totals of post {self.post_id}"

    @property
    def open_rate(self) -> float | None:
        return self.opens / self.delivered if self.delivered else None

    @property
    def click_rate(self) -> float | None:
        return self.clickers / self.delivered if self.delivered else None


class PostLinkClicks(models.Model):
    """Clicks on one link of a post's email (the send's tracked link at that index)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    link_index = models.PositiveIntegerField()
    url = models.URLField(max_length=2000)
    clicks = models.PositiveIntegerField(default=0)
    clickers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "link_index"], name="post_link_once")
        ]

    def __str__(self) -> str:
        return f"link {self.link_index} of post {self.post_id}"


class SubscriberActivity(models.Model):
    """A subscriber's engagement, rebuilt by the rollup: Substack-like stars (0 to 5) from
    opens and clicks over the last 30 days, and the first and last time they engaged."""

    subscription = models.OneToOneField(
        Subscription, on_delete=models.CASCADE, primary_key=True, related_name="activity"
    )
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(default=0)
    opens_30d = models.PositiveIntegerField(default=0)
    clicks_30d = models.PositiveIntegerField(default=0)
    emails_30d = models.PositiveIntegerField(default=0)
    first_engaged_at = models.DateTimeField(null=True, blank=True)
    last_engaged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["publication", "-stars"], name="subscriber_activity_stars_idx")
        ]

    def __str__(self) -> str:
        return f"activity of subscription {self.subscription_id}"


class RollupRun(models.Model):
    """When a publication's day was last rebuilt (the dashboard says how fresh it is)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    finished_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "day"], name="rollup_run_once")
        ]

    def __str__(self) -> str:
        return f"rollup of {self.publication_id} on {self.day}"
