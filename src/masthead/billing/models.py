"""Paid subscriptions: a publication's plans (mirrored from Stripe), each reader's Stripe
subscription mirrored onto their one subscription row, complimentary access, and the Stripe
events already handled."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from masthead.publications.models import Publication
from masthead.subscriptions.models import Subscription


class PlanInterval(models.TextChoices):
    MONTH = "month", "Monthly"
    YEAR = "year", "Yearly"
    # Billed yearly at a price the writer sets at or above the yearly one.
    FOUNDING = "founding", "Founding member"


class Plan(models.Model):
    """One price a reader can pay. Stripe prices cannot change, so a new price is a new plan and
    the old one is retired: its subscribers keep paying what they signed up for."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="plans")
    interval = models.CharField(max_length=10, choices=PlanInterval.choices)
    name = models.CharField(max_length=60)
    amount = models.PositiveIntegerField(help_text="In the currency's smallest unit (cents).")
    currency = models.CharField(max_length=3)
    stripe_plan_id = models.CharField(max_length=255, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "interval"],
                condition=Q(is_active=True),
                name="one_active_plan_per_interval",
            )
        ]

    def __str__(self):
        return f"{self.publication} {self.name}"

    @property
    def stripe_interval(self) -> str:
        return "month" if self.interval == PlanInterval.MONTH else "year"


MAX_TRIAL_DAYS = 90


class BillingSettings(models.Model):
    """A publication's Stripe product and currency; no row means paid subscriptions are off."""

    publication = models.OneToOneField(
        Publication, on_delete=models.CASCADE, related_name="billing_settings"
    )
    stripe_product_id = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="usd")
    is_paid_on = models.BooleanField(default=False)
    # A reader's first paid subscription here starts with this many free days (0: none).
    trial_days = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_TRIAL_DAYS)]
    )

    def __str__(self):
        return f"Billing of {self.publication}"


class StripeCustomer(models.Model):
    """The Stripe customer of a person: one per person on this install's Stripe account."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer"
    )
    stripe_customer_id = models.CharField(max_length=255, unique=True)

    def __str__(self):
        return self.stripe_customer_id


class PaidSubscription(models.Model):
    """A reader's Stripe subscription, as last read from Stripe, on their subscription row: a
    free subscriber who upgrades keeps the one row, now with this beside it."""

    subscription = models.OneToOneField(Subscription, on_delete=models.CASCADE, related_name="paid")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    # Stripe's own words: trialing, active, past_due, unpaid, canceled, incomplete,
    # incomplete_expired, paused.
    status = models.CharField(max_length=20)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)
    # Set once Stripe reports this reader paying or trialing here: a free trial is for a reader's
    # first paid subscription only (the row is kept, and reused, when they subscribe again).
    has_paid_or_trialed = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.subscription} on {self.plan.name} ({self.status})"


class GrantKind(models.TextChoices):
    COMP = "comp", "Complimentary"
    REFERRAL = "referral", "Referral reward"
    GIFT = "gift", "Gift"
    GROUP = "group", "Group seat"


class AccessGrant(models.Model):
    """Paid access nobody pays for each month: a writer's comp, a referral reward, a gift or a
    seat of a group. Open-ended when ends_at is empty; revoking ends it now."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="access_grants"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    kind = models.CharField(max_length=10, choices=GrantKind.choices)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["publication", "person"], name="grant_lookup_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} access for {self.person} to {self.publication}"


class StripeEvent(models.Model):
    """A Stripe event handled once: a replay of the same event id changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.type} {self.event_id}"


from masthead.billing.gift_models import Gift, Group, GroupSeat  # noqa: E402,F401
from masthead.billing.offer_models import Offer  # noqa: E402,F401
