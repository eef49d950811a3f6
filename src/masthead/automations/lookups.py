"""Permission-checked lookups of automation emails for the desk (owners and admins only)."""

from django.http import Http404

from masthead.automations.models import AutomationEmail
from masthead.core.db import LARGEST_ID
from masthead.desk.lookups import MANAGERS, get_membership


def get_automations_membership(person, publication_slug: str):
    return get_membership(person, publication_slug, roles=MANAGERS)


def get_email_for_manager(person, publication_slug: str, email_id: int):
    """(membership, email): raises Http404 for another publication's or an unknown email."""
    membership = get_automations_membership(person, publication_slug)
    if not 0 < email_id <= LARGEST_ID:
        raise Http404("No such automation email.")
    email = (
        AutomationEmail.objects.select_related("publication")
        .filter(publication=membership.publication, id=email_id)
        .first()
    )
    if email is None:
        raise Http404("No such automation email.")
    return membership, email
