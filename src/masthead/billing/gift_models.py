"""Gift subscriptions (a year of paid access bought for someone's address) and group
subscriptions (one Stripe subscription paying for N seats that the payer hands out)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from masthead.publications.models import Publication


class Gift(models.Model):
    """A paid gift: charged once, emailed on its delivery date, redeemed once into an
    AccessGrant(kind=gift). The redeem link is signed; redeemed_at makes it single-use."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="gifts")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gifts_bought"
    )
    recipient_email = models.EmailField()
    message = models.TextField(max_length=1000, blank=True)
    months = models.PositiveSmallIntegerField()
    amount = models.PositiveIntegerField(help_text="In the currency's smallest unit (cents).")
    currency = models.CharField(max_length=3)
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True)
    deliver_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gifts_redeemed",
    )
    grant = models.OneToOneField(
        "billing.AccessGrant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["buyer", "publication"], name="gift_buyer_idx")]

    def __str__(self):
        return f"Gift of {self.months} months of {self.publication} to {self.recipient_email}"

    @property
    def state(self) -> str:
        if self.redeemed_at is not None:
            return "redeemed"
        if self.sent_at is not None:
            return "sent"
        return "scheduled"


class Group(models.Model):
    """A group subscription: one Stripe subscription with quantity = seat_count, mirrored here.
    Its members' grants stay open while it pays and end when it is mirrored as ended."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="groups")
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="groups_paid"
    )
    plan = models.ForeignKey("billing.Plan", on_delete=models.PROTECT, related_name="groups")
    seat_count = models.PositiveSmallIntegerField()
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    # Stripe's own words, as on PaidSubscription.
    status = models.CharField(max_length=20)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Group of {self.seat_count} for {self.publication} ({self.status})"


class GroupSeat(models.Model):
    """One seat of a group, given to an address; claimed once through its emailed link."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="seats")
    email = models.EmailField()
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_seats",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    grant = models.OneToOneField(
        "billing.AccessGrant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "email"],
                condition=Q(removed_at__isnull=True),
                name="one_open_seat_per_address",
            )
        ]

    def __str__(self):
        return f"Seat of {self.email} in group {self.group_id}"

    @property
    def state(self) -> str:
        if self.removed_at is not None:
            return "removed"
        return "claimed" if self.claimed_at is not None else "invited"
