"""Template context every page needs: the publication, its navigation, its face and the viewer."""

from functools import cache

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from masthead.billing.access import has_paid_access
from masthead.billing.plans import is_paid_available
from masthead.publications.links import site_path
from masthead.publications.queries import viewer_of
from masthead.publications.social_cards import publication_og_image
from masthead.publications.theme import has_default_accent, theme_version
from masthead.referrals.services import link_with_code, referral_code_for

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


def theme_url(publication) -> str | None:
    """The stylesheet with the publication's accent colour; None when it is site.css's own."""
    if has_default_accent(publication.accent_color):
        return None
    return reverse("publications:theme", args=[theme_version(publication.accent_color)])


def reader_referral_link(publication, person) -> str:
    """A subscriber's personal link; the code is made the first time, as the account page does."""
    if not person.is_authenticated:
        return ""
    return link_with_code(publication, referral_code_for(publication, person))


def publication(request):
    current = getattr(request, "publication", None)
    if current is None:
        return {"publication": None, "nav_items": []}
    # Lazy: each query runs only when a template asks, and at most once per request.
    viewer = SimpleLazyObject(lambda: viewer_of(request.user, current))
    paid_offered = cache(lambda: is_paid_available(current))  # asked once per request at most
    return {
        "publication": current,
        "nav_items": navigation(),
        "theme_url": theme_url(current),
        "viewer": viewer,
        "is_subscribed": lambda: viewer.is_subscribed,
        "default_og_image": SimpleLazyObject(
            lambda: publication_og_image(current, request.build_absolute_uri)
        ),
        "desk_url": lambda: site_path("desk:dashboard", current.slug),
        "reader_referral_link": lambda: reader_referral_link(current, request.user),
        # Paid plans readers can buy now (billing.plans: off means every paid control hidden).
        "paid_offered": paid_offered,
        "upgrade_offered": lambda: paid_offered() and not has_paid_access(request.user, current.id),
    }
