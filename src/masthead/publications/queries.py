"""Reads about the person looking at a publication's pages: team member, subscriber, or neither."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery

from masthead.publications.models import Membership, Publication
from masthead.subscriptions.models import Subscription, SubscriptionStatus


@dataclass(frozen=True)
class Viewer:
    is_team: bool
    subscription_status: str | None

    @property
    def is_subscribed(self) -> bool:
        return self.subscription_status == SubscriptionStatus.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.subscription_status == SubscriptionStatus.PENDING


NOBODY = Viewer(is_team=False, subscription_status=None)


def viewer_of(person, publication: Publication) -> Viewer:
    """What the header and the subscribe box need to know about `person`, in one query (none for
    a visitor who is not signed in)."""
    if not person.is_authenticated:
        return NOBODY
    row = (
        Publication.objects.filter(pk=publication.pk)
        .annotate(
            is_team=Exists(Membership.objects.filter(publication=OuterRef("pk"), person=person)),
            subscription_status=Subquery(
                Subscription.objects.filter(publication=OuterRef("pk"), person=person).values(
                    "status"
                )[:1]
            ),
        )
        .values_list("is_team", "subscription_status")
        .first()
    )
    if row is None:
        return NOBODY
    return Viewer(is_team=bool(row[0]), subscription_status=row[1])
