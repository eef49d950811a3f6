"""What the desk's subscriber page shows of one subscriber: who they are, where they came
from, their activity (SubscriberActivity, from the rollup), their paid history and the last
emails sent to them. Four queries whatever the size of the list or of their history."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from masthead.billing.models import AccessGrant, PaidSubscription
from masthead.core.db import LARGEST_ID
from masthead.delivery.models import Delivery
from masthead.stats.models import SubscriberActivity
from masthead.subscriptions.desk_queries import PAID_STATUS_WORDS
from masthead.subscriptions.models import Subscription

RECENT_DELIVERIES = 20
MAX_STARS = 5
HEAVY_FIELDS = (
    "send__html_template",
    "send__text_template",
    "send__full_html_template",
    "send__full_text_template",
    "send__tracked_links",
    "send__post__body_markdown",
    "send__post__body_html",
    "send__post__preview_html",
)


@dataclass(frozen=True)
class SubscriberReport:
    subscription: Subscription
    activity: SubscriberActivity | None
    paid: PaidSubscription | None
    grants: list[AccessGrant]
    deliveries: list[Delivery]
    now: dt.datetime

    @property
    def paid_status(self) -> str:
        if self.paid is None:
            return ""
        status = self.paid.status
        words = PAID_STATUS_WORDS.get(status, status.replace("_", " "))
        if self.paid.cancel_at_period_end and words != "ended":
            return f"{words}, cancelling"
        return words

    @property
    def stars_text(self) -> str:
        """Filled and empty stars (the page also says the number in words)."""
        stars = min(self.activity.stars, MAX_STARS) if self.activity else 0
        return "★" * stars + "☆" * (MAX_STARS - stars)


def _one_to_one(subscription, name: str):
    # A reverse one-to-one fetched by select_related raises when its row is missing.
    try:
        return getattr(subscription, name)
    except (SubscriberActivity.DoesNotExist, PaidSubscription.DoesNotExist):
        return None


def subscriber_report(publication, subscription_id: int) -> SubscriberReport:
    """One subscription of this publication (404 for any other) and what the page shows."""
    if not 0 < subscription_id <= LARGEST_ID:
        raise Http404("No such subscriber.")
    subscription = get_object_or_404(
        Subscription.objects.select_related("person", "attributed_post", "activity", "paid__plan"),
        publication=publication,
        pk=subscription_id,
    )
    grants = list(
        AccessGrant.objects.filter(
            publication=publication, person_id=subscription.person_id
        ).order_by("-starts_at", "-id")
    )
    deliveries = list(
        Delivery.objects.filter(subscription=subscription)
        .select_related("send__post")
        # The send's rendered bodies and the post's text are large and not shown here.
        .defer(*HEAVY_FIELDS)
        .order_by(F("sent_at").desc(nulls_last=True), "-id")[:RECENT_DELIVERIES]
    )
    return SubscriberReport(
        subscription=subscription,
        activity=_one_to_one(subscription, "activity"),
        paid=_one_to_one(subscription, "paid"),
        grants=grants,
        deliveries=deliveries,
        now=timezone.now(),
    )
