"""Offers: a discount a writer shares as a link (/subscribe/?offer=<code>), each one a Stripe
coupon mirrored here. Ending an offer stops new uses; discounts already given stay."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class OfferDuration(models.TextChoices):
    # Stripe's own words for how long a coupon's discount lasts.
    ONCE = "once", "The first payment"
    REPEATING = "repeating", "A number of months"
    FOREVER = "forever", "As long as they stay subscribed"


class Offer(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="offers")
    code = models.SlugField(max_length=40)
    # One of the two: a percentage off, or an amount off in `currency`'s smallest unit.
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_off = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    duration = models.CharField(max_length=10, choices=OfferDuration.choices)
    duration_in_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # The last moment the link works, if the writer set one; ended_at when they ended it.
    ends_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    stripe_coupon_id = models.CharField(max_length=255, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "code"], name="one_offer_per_code")
        ]

    def __str__(self):
        return f"Offer {self.code} of {self.publication}"

    def is_open_at(self, now) -> bool:
        return self.ended_at is None and (self.ends_at is None or self.ends_at > now)
