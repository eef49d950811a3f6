"""Emails of the subscription flow, sent by the worker."""

from django.tasks import task

from masthead.core.mail import build_email, publication_sender
from masthead.publications.links import publication_link
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import confirmation_token, unsubscribe_token


def _load(subscription_id: int) -> Subscription | None:
    return (
        Subscription.objects.select_related("publication", "person")
        .filter(id=subscription_id)
        .first()
    )


@task()
def send_confirmation(subscription_id: int) -> None:
    subscription = _load(subscription_id)
    if subscription is None or subscription.status != SubscriptionStatus.PENDING:
        return
    publication = subscription.publication
    url = publication_link(publication, "subscriptions:confirm", confirmation_token(subscription))
    build_email(
        "confirm_subscription",
        subscription.person.email,
        {"publication": publication, "url": url},
        from_email=publication_sender(publication),
    ).send()


def unsubscribe_headers(subscription: Subscription) -> tuple[str, dict]:
    """The visible unsubscribe link and the RFC 8058 one-click headers for a message."""
    url = publication_link(
        subscription.publication, "subscriptions:unsubscribe", unsubscribe_token(subscription)
    )
    return url, {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@task()
def send_welcome(subscription_id: int) -> None:
    subscription = _load(subscription_id)
    if subscription is None or subscription.status != SubscriptionStatus.ACTIVE:
        return
    publication = subscription.publication
    unsubscribe_url, headers = unsubscribe_headers(subscription)
    build_email(
        "welcome",
        subscription.person.email,
        {
            "publication": publication,
            "home_url": publication_link(publication, "posts:home"),
            "unsubscribe_url": unsubscribe_url,
        },
        from_email=publication_sender(publication),
        headers=headers,
    ).send()
