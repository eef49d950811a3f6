"""A person's subscription to a publication, from sign-up through confirmation to unsubscribe."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class SubscriptionSource(models.TextChoices):
    WEBSITE = "website", "Website"
    IMPORT = "import", "Import"
    REFERRAL = "referral", "Referral"
    RECOMMENDATION = "recommendation", "Recommendation"
    STAFF = "staff", "Added by staff"


class Subscription(models.Model):
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="subscriptions"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    source = models.CharField(
        max_length=16, choices=SubscriptionSource.choices, default=SubscriptionSource.WEBSITE
    )
    # Where the reader came from when they subscribed (stats): the UTM parameters of the page
    # they landed on, and the post whose page (or email) they subscribed from.
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    attributed_post = models.ForeignKey(
        "posts.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The ?r=CODE the reader arrived with; the Leaderboard resolves it to a referrer.
    referral_code = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the reader last asked for a confirmation link, and when one last left for the mail
    # server: a request newer than the last sending is still to be answered.
    confirmation_requested_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When a confirmation link last signed someone in: a link signs in only if it was issued
    # after this, so each link does so at most once (and only while it is fresh).
    confirmation_sign_in_used_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Tags brought from another platform's export (strings, at most 20 of 40 characters).
    labels = models.JSONField(default=list, blank=True)
    # The reader chose one email a week (masthead.automations' weekly digest) instead of one
    # email per post. db_default: raw INSERTs that name only older columns (the benchmarks) work.
    gets_weekly_digest = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "person"], name="subscription_once_per_person"
            ),
        ]
        indexes = [
            models.Index(
                fields=["publication", "status", "-created_at"], name="subscription_list_idx"
            ),
            models.Index(
                fields=["publication", "-created_at", "-id"], name="subscription_newest_idx"
            ),
        ]

    def __str__(self):
        return f"{self.person} → {self.publication} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == SubscriptionStatus.ACTIVE


class SectionOptOut(models.Model):
    """A subscriber who does not want a section's posts by email (they still get the rest)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="section_opt_outs"
    )
    section = models.ForeignKey(
        "publications.Section", on_delete=models.CASCADE, related_name="opt_outs"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "section"], name="section_opt_out_once"
            ),
        ]

    def __str__(self):
        return f"{self.subscription} leaves {self.section}"


from masthead.subscriptions.import_models import ImportJob  # noqa: E402,F401
