"""Emails of the subscription flow, sent by the worker."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from masthead.core.mail import build_email, publication_sender
from masthead.core.system_mail import drop_expired, send_system_mail
from masthead.publications.links import publication_link
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import (
    CONFIRM_LINK_DAYS,
    claim_confirmation,
    confirmation_token,
    release_confirmation,
    unsubscribe_token,
)


def _load(subscription_id: int) -> Subscription | None:
    return (
        Subscription.objects.select_related("publication", "person")
        .filter(id=subscription_id)
        .first()
    )


@task()
def send_confirmation(subscription_id: int, attempt: int = 0) -> None:
    subscription = _load(subscription_id)
    if subscription is None or subscription.status != SubscriptionStatus.PENDING:
        return
    requested_at = subscription.confirmation_requested_at
    if requested_at and timezone.now() - requested_at >= dt.timedelta(days=CONFIRM_LINK_DAYS):
        drop_expired(send_confirmation, [subscription_id], "asked for too long ago")
        return
    publication = subscription.publication
    url = publication_link(publication, "subscriptions:confirm", confirmation_token(subscription))
    message = build_email(
        "confirm_subscription",
        subscription.person.email,
        {"publication": publication, "url": url},
        from_email=publication_sender(publication),
    )
    # One email answers every request made before it: of several queued, the first sends.
    claimed_at = claim_confirmation(subscription_id)
    if claimed_at is None:
        return
    send_system_mail(
        message,
        task=send_confirmation,
        args=[subscription_id],
        attempt=attempt,
        on_unsent=lambda: release_confirmation(subscription_id, claimed_at),
    )


def unsubscribe_headers(subscription: Subscription) -> tuple[str, dict]:
    """The visible unsubscribe link and the RFC 8058 one-click headers for a message."""
    url = publication_link(
        subscription.publication, "subscriptions:unsubscribe", unsubscribe_token(subscription)
    )
    return url, {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _send_to_active_subscriber(template: str, subscription_id: int, task, attempt: int, **urls):
    """One of the emails an active subscriber gets (welcome, already subscribed): from the
    publication, with its home and unsubscribe links and the one-click headers."""
    subscription = _load(subscription_id)
    if subscription is None or subscription.status != SubscriptionStatus.ACTIVE:
        return
    publication = subscription.publication
    unsubscribe_url, headers = unsubscribe_headers(subscription)
    links = {name: publication_link(publication, view) for name, view in urls.items()}
    message = build_email(
        template,
        subscription.person.email,
        {
            "publication": publication,
            "home_url": publication_link(publication, "posts:home"),
            "unsubscribe_url": unsubscribe_url,
            **links,
        },
        from_email=publication_sender(publication),
        headers=headers,
    )
    send_system_mail(message, task=task, args=[subscription_id], attempt=attempt)


@task()
def send_welcome(subscription_id: int, attempt: int = 0) -> None:
    """The built-in welcome, unless the publication's own welcome sequence starts on day 0:
    that email is the welcome then (masthead.automations), and one is enough."""
    from masthead.automations.queries import has_day_zero_welcome

    if has_day_zero_welcome(subscription_id):
        return
    _send_to_active_subscriber("welcome", subscription_id, send_welcome, attempt)


@task()
def send_already_subscribed(subscription_id: int, attempt: int = 0) -> None:
    """Someone asked to subscribe an address that already is: tell the address, and how to
    manage its subscription."""
    _send_to_active_subscriber(
        "already_subscribed",
        subscription_id,
        send_already_subscribed,
        attempt,
        account_url="accounts:account",
    )
