"""Template context every page needs: the publication and its navigation."""

from django.urls import reverse

from masthead.engagement.rules import is_subscriber

# The seed's order: Home, Notes, Chat, Archive, Leaderboard, About.
NAV_ITEMS = [
    ("Home", "posts:home"),
    ("Notes", "notes:publication_notes"),
    ("Chat", "chat:room"),
    ("Archive", "posts:archive"),
    ("Leaderboard", "referrals:leaderboard"),
    ("About", "publications:about"),
]


def navigation() -> list[tuple[str, str]]:
    return [(label, reverse(name)) for label, name in NAV_ITEMS]


def publication(request):
    current = getattr(request, "publication", None)
    if current is None:
        return {"publication": None, "nav_items": []}
    return {
        "publication": current,
        "nav_items": navigation(),
        # A callable: the query runs only when a template asks.
        "is_subscribed": lambda: (
            request.user.is_authenticated and is_subscriber(request.user, current.id)
        ),
    }
