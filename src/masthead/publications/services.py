"""Creating publications and giving people roles on them."""

from django.db import transaction
from django.utils.text import slugify

from masthead.accounts.models import Person
from masthead.core.rendering import render_markdown
from masthead.publications.models import Membership, Publication, PublicationHost, Role


class PublicationError(ValueError):
    """A publication could not be created; the message says why, for a person to read."""


@transaction.atomic
def create_publication(
    *, name: str, owner_email: str, slug: str = "", tagline: str = "", about: str = "",
    hosts: list[str] | None = None,
) -> Publication:  # fmt: skip
    name = name.strip()
    if not name:
        raise PublicationError("A publication needs a name.")
    slug = slugify(slug or name)[:60]
    if not slug:
        raise PublicationError("Choose a slug made of letters, digits and hyphens.")
    if Publication.objects.filter(slug=slug).exists():
        raise PublicationError(f"The slug {slug!r} is taken; choose another.")
    owner = Person.objects.filter(email__iexact=owner_email).first()
    if owner is None:
        owner = Person.objects.create_user(owner_email)
    publication = Publication.objects.create(
        name=name, slug=slug, tagline=tagline, about_markdown=about,
        about_html=render_markdown(about),
    )  # fmt: skip
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    for host in hosts or []:
        host = host.strip().lower().rstrip(".")
        if PublicationHost.objects.filter(host=host).exists():
            raise PublicationError(f"The host {host!r} already belongs to another publication.")
        PublicationHost.objects.create(publication=publication, host=host)
    return publication
