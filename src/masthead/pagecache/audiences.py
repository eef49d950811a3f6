"""Whose copy of a page a request gets: anonymous, or, for a signed-in reader, what the page's
header shows them (a reader, a free or a paid subscriber, the publication's staff)."""

from masthead.billing.access import has_paid_access
from masthead.pagecache.keys import ANONYMOUS
from masthead.publications.queries import viewer_of


def audience_of(request, publication) -> str:
    person = request.user
    if not person.is_authenticated:
        return ANONYMOUS
    viewer = viewer_of(person, publication)
    if has_paid_access(person, publication.id):
        tier = "paid"
    elif viewer.is_subscribed:
        tier = "free"
    else:
        tier = "reader"
    return f"staff+{tier}" if viewer.is_team else tier
