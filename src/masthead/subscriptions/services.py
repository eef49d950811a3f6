"""Subscribing with double opt-in, confirming, unsubscribing and resubscribing."""

import datetime as dt
import enum
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from masthead.accounts.services import get_or_create_person, normalize_email
from masthead.accounts.tokens import BadToken, make_token, read_token
from masthead.core.ratelimit import RateLimited, check_rate
from masthead.outbox.events import record_event, subscription_data
from masthead.pagecache import invalidation
from masthead.publications.models import Publication
from masthead.publications.rules import is_staff_anywhere
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

CONFIRM_SALT = "masthead.subscription.confirm"
UNSUBSCRIBE_SALT = "masthead.subscription.unsubscribe"
CONFIRM_LINK_DAYS = 7


class SubscribeOutcome(enum.Enum):
    """What subscribing did, for the code that called it; a page shows one answer for all of
    them, or the form would tell anyone which addresses subscribe."""

    CONFIRMATION_SENT = "confirmation_sent"
    CONFIRMATION_RECENTLY_SENT = "confirmation_recently_sent"
    ALREADY_SUBSCRIBED = "already_subscribed"


@dataclass(frozen=True)
class Attribution:
    """Where a new subscriber came from (the dashboard's sources): the UTM parameters of the
    page they landed on, and the post whose page they subscribed from."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    post_id: int | None = None


NO_ATTRIBUTION = Attribution()
# Links from a publication's recommendations carry it (templates/referrals/_recommendations.html).
RECOMMENDATION_MEDIUM = "recommendation"


def subscribe(
    publication: Publication,
    email: str,
    *,
    client: str,
    referral_code: str = "",
    source: str = SubscriptionSource.WEBSITE,
    attribution: Attribution = NO_ATTRIBUTION,
) -> SubscribeOutcome:
    """Start a subscription (or restart an ended one) and email a confirmation link. The
    attribution is recorded on a new subscription only: an old one keeps where it came from."""
    check_rate("subscribe-client", client, settings.SUBSCRIBE_RATE_PER_CLIENT)
    email = normalize_email(email)
    if source == SubscriptionSource.WEBSITE and referral_code:
        source = SubscriptionSource.REFERRAL  # a reader's referral link brought them
    elif source == SubscriptionSource.WEBSITE and attribution.utm_medium == RECOMMENDATION_MEDIUM:
        source = SubscriptionSource.RECOMMENDATION
    try:
        return _subscribe(publication, email, referral_code, source, attribution)
    except IntegrityError:
        # Two sign-ups for the same address raced; the other one created the row.
        return _subscribe(publication, email, referral_code, source, attribution)


@transaction.atomic
def _subscribe(publication, email, referral_code, source, attribution) -> SubscribeOutcome:
    from masthead.subscriptions.tasks import send_confirmation

    person = get_or_create_person(email)
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        publication=publication,
        person=person,
        defaults={
            "source": source,
            "referral_code": referral_code,
            "utm_source": attribution.utm_source,
            "utm_medium": attribution.utm_medium,
            "utm_campaign": attribution.utm_campaign,
            "attributed_post_id": attribution.post_id,
        },
    )
    if subscription.status == SubscriptionStatus.ACTIVE:
        _tell_already_subscribed(subscription)
        return SubscribeOutcome.ALREADY_SUBSCRIBED
    now = timezone.now()
    resend_after = dt.timedelta(seconds=settings.CONFIRMATION_RESEND_SECONDS)
    # Only a confirmation that actually left counts: one still waiting for the mail server to come
    # back must not keep the reader from asking again.
    if (
        subscription.status == SubscriptionStatus.PENDING
        and subscription.confirmation_sent_at
        and now - subscription.confirmation_sent_at < resend_after
    ):
        return SubscribeOutcome.CONFIRMATION_RECENTLY_SENT
    is_added = created or subscription.status != SubscriptionStatus.PENDING
    subscription.status = SubscriptionStatus.PENDING
    subscription.confirmation_requested_at = now
    if referral_code and not subscription.referral_code:
        subscription.referral_code = referral_code
    subscription.save(update_fields=["status", "confirmation_requested_at", "referral_code"])
    if is_added:  # a first request, or one after unsubscribing; not a repeated request
        record_event(publication, "subscriber.added", subscription_data(subscription))
    # Queued afresh even when an earlier request is still being retried: this one goes now, and
    # whichever task sends first answers both (the others find nothing left to answer).
    send_confirmation.enqueue(subscription.id)
    return SubscribeOutcome.CONFIRMATION_SENT


def _tell_already_subscribed(subscription: Subscription) -> None:
    """Tell the address, not the page, that it is subscribed already: the page answers every
    address alike, so that it reveals no subscriber. Past the rate the notice is simply not sent."""
    from masthead.subscriptions.tasks import send_already_subscribed

    try:
        check_rate(
            "already-subscribed",
            subscription.person.email,
            settings.ALREADY_SUBSCRIBED_RATE_PER_ADDRESS,
        )
    except RateLimited:
        return
    transaction.on_commit(lambda: send_already_subscribed.enqueue(subscription.id))


def claim_confirmation(subscription_id: int) -> dt.datetime | None:
    """Claim the sending of a pending subscription's unanswered confirmation request.

    Returns the claim's time, now its confirmation_sent_at, or None when there is nothing to
    send: the subscription is not pending, or a confirmation left (or is leaving) since the
    reader last asked. Release with release_confirmation when the email cannot go.
    """
    now = timezone.now()
    claimed = (
        Subscription.objects.filter(
            id=subscription_id,
            status=SubscriptionStatus.PENDING,
            confirmation_requested_at__isnull=False,
        )
        .filter(
            Q(confirmation_sent_at__isnull=True)
            | Q(confirmation_sent_at__lt=F("confirmation_requested_at"))
        )
        .update(confirmation_sent_at=now)
    )
    return now if claimed else None


def release_confirmation(subscription_id: int, claimed_at: dt.datetime) -> None:
    """Undo claim_confirmation: the email did not leave, so the request is unanswered again."""
    Subscription.objects.filter(id=subscription_id, confirmation_sent_at=claimed_at).update(
        confirmation_sent_at=None
    )


def confirmation_token(subscription: Subscription) -> str:
    # "at", when the link was made: it may sign in only while fresh, and only once.
    payload = {"s": subscription.id, "e": subscription.person.email, "at": int(time.time())}
    return make_token(CONFIRM_SALT, payload)


def unsubscribe_token(subscription: Subscription) -> str:
    """Never expires: an unsubscribe link in an old email must still work."""
    return make_token(UNSUBSCRIBE_SALT, {"s": subscription.id})


def _subscription_from(payload: dict) -> Subscription:
    subscription = (
        Subscription.objects.select_related("publication", "person")
        .filter(id=payload.get("s"))
        .first()
    )
    if subscription is None:
        raise BadToken("This subscription no longer exists.")
    return subscription


def _read_confirmation(token: str) -> tuple[Subscription, dict]:
    payload = read_token(CONFIRM_SALT, token, CONFIRM_LINK_DAYS * 24 * 3600)
    subscription = _subscription_from(payload)
    if subscription.person.email != payload.get("e"):
        raise BadToken("This link is not valid.")
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        raise BadToken(
            "This confirmation link belongs to a subscription that was ended. "
            "Subscribe again to get a new one."
        )
    return subscription, payload


def open_confirmation(token: str) -> Subscription:
    """The subscription a confirmation link names; reading it changes nothing, so a mail
    scanner that opens the link neither confirms nor spends it."""
    return _read_confirmation(token)[0]


@dataclass(frozen=True)
class Confirmation:
    subscription: Subscription
    was_confirmed_before: bool
    # True when this confirmation may sign its person in, and has used up that right.
    signs_in: bool


@transaction.atomic
def confirm_subscription(token: str, *, sign_in: bool = False) -> Confirmation:
    """Confirm (idempotently) and, when asked, spend the link's one sign-in if it still has it."""
    subscription, payload = _read_confirmation(token)
    was_confirmed_before = subscription.status == SubscriptionStatus.ACTIVE
    if not was_confirmed_before:
        updated = Subscription.objects.filter(
            id=subscription.id, status=SubscriptionStatus.PENDING
        ).update(status=SubscriptionStatus.ACTIVE, confirmed_at=timezone.now())
        invalidation.lists_changed(subscription.publication_id)
        if not updated:  # unsubscribed meanwhile
            raise BadToken(
                "This confirmation link belongs to a subscription that was ended. "
                "Subscribe again to get a new one."
            )
        from masthead.subscriptions.tasks import send_welcome

        send_welcome.enqueue(subscription.id)
    from masthead.referrals.services import record_confirmed_referral

    signs_in = sign_in and _spend_confirmation_sign_in(subscription, payload.get("at"))
    subscription.refresh_from_db()
    record_confirmed_referral(subscription)
    if not was_confirmed_before:
        record_event(
            subscription.publication_id, "subscriber.confirmed", subscription_data(subscription)
        )
    return Confirmation(subscription, was_confirmed_before, signs_in)


def _spend_confirmation_sign_in(subscription: Subscription, issued_at) -> bool:
    """A confirmation link signs in once, while it is as fresh as a sign-in link, and never a
    person whose session is worth more than a reader's: they ask for a sign-in link instead."""
    if not isinstance(issued_at, int):
        return False  # a link made before links carried their time
    issued = dt.datetime.fromtimestamp(issued_at, tz=dt.UTC)
    now = timezone.now()
    if now - issued > dt.timedelta(minutes=settings.SIGN_IN_LINK_MINUTES):
        return False
    person = subscription.person
    if not person.is_active or is_staff_anywhere(person):
        return False
    # Conditional update: of two presses racing, or a link used before, exactly one signs in.
    return bool(
        Subscription.objects.filter(id=subscription.id)
        .filter(
            Q(confirmation_sign_in_used_at__isnull=True)
            | Q(confirmation_sign_in_used_at__lt=issued)
        )
        .update(confirmation_sign_in_used_at=now)
    )


def subscription_for_unsubscribe(token: str) -> Subscription:
    return _subscription_from(read_token(UNSUBSCRIBE_SALT, token))


@transaction.atomic
def unsubscribe(subscription: Subscription) -> Subscription:
    changed = (
        Subscription.objects.filter(id=subscription.id)
        .exclude(status=SubscriptionStatus.UNSUBSCRIBED)
        .update(status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    )
    subscription.refresh_from_db()
    if changed:
        invalidation.lists_changed(subscription.publication_id)
        record_event(
            subscription.publication_id, "subscriber.unsubscribed", subscription_data(subscription)
        )
    return subscription


@transaction.atomic
def resubscribe(subscription: Subscription) -> Subscription:
    """Undo an unsubscribe from its confirmation page: the address was confirmed before."""
    Subscription.objects.filter(id=subscription.id, confirmed_at__isnull=False).update(
        status=SubscriptionStatus.ACTIVE, unsubscribed_at=None
    )
    invalidation.lists_changed(subscription.publication_id)
    subscription.refresh_from_db()
    return subscription
