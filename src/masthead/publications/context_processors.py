"""Template context every page needs: the publication and its navigation."""

from django.urls import NoReverseMatch, reverse

# The seed's order: Home, Notes, Chat, Archive, Leaderboard, About. An item shows only once its
# feature's URL exists, so the navigation never leads nowhere.
NAV_ITEMS = [
    ("Home", "posts:home"),
    ("Notes", "notes:publication_notes"),
    ("Chat", "chat:room"),
    ("Archive", "posts:archive"),
    ("Leaderboard", "referrals:leaderboard"),
    ("About", "publications:about"),
]


def navigation() -> list[tuple[str, str]]:
    items = []
    for label, name in NAV_ITEMS:
        try:
            items.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return items


def is_subscribed(request, publication) -> bool:
    """Whether the signed-in reader already subscribes: then the header offers no Subscribe."""
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    user = request.user
    return user.is_authenticated and (
        Subscription.objects.filter(
            publication=publication, person=user, status=SubscriptionStatus.ACTIVE
        ).exists()
    )


def publication(request):
    current = getattr(request, "publication", None)
    if current is None:
        return {"publication": None, "nav_items": []}
    return {
        "publication": current,
        "nav_items": navigation(),
        # A callable: the query runs only when a template asks.
        "is_subscribed": lambda: is_subscribed(request, current),
    }
