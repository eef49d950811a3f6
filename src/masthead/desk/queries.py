"""Figures the desk shows."""

from django.db.models import Count, Q

from masthead.posts.models import PostStatus
from masthead.subscriptions.models import SubscriptionStatus


def dashboard_counts(publication) -> dict:
    posts = publication.posts.aggregate(
        drafts=Count("id", filter=Q(status=PostStatus.DRAFT)),
        scheduled=Count("id", filter=Q(status=PostStatus.SCHEDULED)),
        published=Count("id", filter=Q(status=PostStatus.PUBLISHED)),
    )
    subscribers = publication.subscriptions.aggregate(
        active=Count("id", filter=Q(status=SubscriptionStatus.ACTIVE)),
        pending=Count("id", filter=Q(status=SubscriptionStatus.PENDING)),
        unsubscribed=Count("id", filter=Q(status=SubscriptionStatus.UNSUBSCRIBED)),
    )
    return {"posts": posts, "subscribers": subscribers}
