"""Permission-checked lookups for the writer's desk: every desk view starts with one of these."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from masthead.publications.models import Membership, Publication, Role

EDITORS = (Role.OWNER, Role.ADMIN, Role.AUTHOR)
MANAGERS = (Role.OWNER, Role.ADMIN)


def get_membership(person, publication_slug: str, roles=EDITORS) -> Membership:
    """The person's membership of the publication, if their role is one of `roles`.

    Unknown publications and publications the person is not staff of are both 404s, so the
    desk never tells a stranger which publications exist; staff with too small a role get 403.
    """
    if not person.is_authenticated:
        raise Http404("No such publication.")
    membership = (
        Membership.objects.select_related("publication")
        .filter(person=person, publication__slug=publication_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such publication.")
    if membership.role not in roles:
        raise PermissionDenied("Your role on this publication does not allow this.")
    return membership


def get_publication_for_staff(person, publication_slug: str, roles=EDITORS) -> Publication:
    return get_membership(person, publication_slug, roles).publication


def publications_of(person):
    return Publication.objects.filter(memberships__person=person).order_by("name")
