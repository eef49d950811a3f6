"""Referral codes, confirmed referrals, reward tiers and grants, and recommended publications."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class ReferralCode(models.Model):
    """A subscriber's personal code for one publication: <publication home>?r=CODE."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="referral_codes"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_codes"
    )
    code = models.CharField(max_length=32, unique=True)
    # Shown as "Anonymous reader" on this publication's Leaderboard.
    appear_anonymously = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "person"], name="referral_code_once_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.person} on {self.publication})"


class Referral(models.Model):
    """A referred subscription that was confirmed; it counts while the subscription is active."""

    referral_code = models.ForeignKey(
        ReferralCode, on_delete=models.CASCADE, related_name="referrals"
    )
    subscription = models.OneToOneField(
        "subscriptions.Subscription", on_delete=models.CASCADE, related_name="referral"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Referral of subscription {self.subscription_id} by {self.referral_code}"


class RewardKind(models.TextChoices):
    MONTHS = "months", "Months of complimentary paid access"
    CUSTOM = "custom", "A custom reward"


class RewardTier(models.Model):
    """One of up to three rewards a publication gives for reaching a number of referrals."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="reward_tiers"
    )
    position = models.PositiveSmallIntegerField()  # 1, 2 or 3
    threshold = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=RewardKind.choices, default=RewardKind.MONTHS)
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "position"], name="reward_tier_position_unique"
            ),
        ]

    def __str__(self):
        return f"{self.threshold} referrals: {self.reward_text}"

    @property
    def reward_text(self) -> str:
        if self.kind == RewardKind.MONTHS:
            unit = "month" if self.months == 1 else "months"
            return f"{self.months} {unit} of complimentary paid access"
        return self.description


class RewardGrant(models.Model):
    """A reward given to a referrer; keeps what was given even if the tier changes later."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="reward_grants"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reward_grants"
    )
    # A deleted tier leaves its grants; NULLs never collide in the unique constraint.
    tier = models.ForeignKey(
        RewardTier, null=True, on_delete=models.SET_NULL, related_name="grants"
    )
    threshold = models.PositiveIntegerField()
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)
    granted_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tier", "person"], name="reward_grant_once"),
        ]

    def __str__(self):
        return f"{self.reward_text} for {self.person}"

    @property
    def reward_text(self) -> str:
        if self.months:
            unit = "month" if self.months == 1 else "months"
            return f"{self.months} {unit} of complimentary paid access"
        return self.description


class Recommendation(models.Model):
    """A publication the writer recommends: one on this install, or any site by URL."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="recommendations"
    )
    recommended_publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(max_length=500, blank=True)
    name = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "recommended_publication"],
                name="recommendation_once_per_publication",
            ),
            models.CheckConstraint(
                condition=models.Q(recommended_publication__isnull=False) | ~models.Q(url=""),
                name="recommendation_has_target",
            ),
        ]

    def __str__(self):
        return f"{self.publication} recommends {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.recommended_publication_id:
            return self.recommended_publication.name
        return self.name

    @property
    def is_on_this_install(self) -> bool:
        return self.recommended_publication_id is not None
