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


@transaction.atomic
def update_publication_settings(
    publication: Publication, *, name: str, tagline: str, about: str, comment_policy: str
) -> Publication:
    """Change what readers see of a publication and who may comment on it."""
    from masthead.publications.models import CommentPolicy

    if comment_policy not in CommentPolicy.values:
        raise PublicationError("Choose who may comment from the list.")
    publication.name = " ".join(name.split())
    publication.tagline = " ".join(tagline.split())
    publication.about_markdown = about
    publication.about_html = render_markdown(about)
    publication.comment_policy = comment_policy
    publication.save(
        update_fields=["name", "tagline", "about_markdown", "about_html", "comment_policy"]
    )
    return publication


INVITATION_SALT = "masthead.invitation"
INVITATION_DAYS = 14


@transaction.atomic
def invite(publication: Publication, inviter, email: str, role: str):
    from masthead.publications.models import Invitation
    from masthead.publications.tasks import send_invitation

    if role not in (Role.ADMIN, Role.AUTHOR):
        raise PublicationError("Invite people as admins or authors.")
    email = email.strip().lower()
    if Membership.objects.filter(publication=publication, person__email__iexact=email).exists():
        raise PublicationError(f"{email} is already on the team.")
    invitation = Invitation.objects.create(
        publication=publication, email=email, role=role, invited_by=inviter
    )
    send_invitation.enqueue(invitation.id)
    return invitation


def invitation_token(invitation) -> str:
    from masthead.accounts.tokens import make_token

    return make_token(INVITATION_SALT, {"i": invitation.id, "e": invitation.email})


@transaction.atomic
def accept_invitation(token: str):
    """Join the team: returns the new (or existing) membership; the link works once."""
    from django.utils import timezone

    from masthead.accounts.services import get_or_create_person
    from masthead.accounts.tokens import BadToken, read_token
    from masthead.publications.models import Invitation

    payload = read_token(INVITATION_SALT, token, INVITATION_DAYS * 24 * 3600)
    invitation = Invitation.objects.filter(id=payload.get("i"), email=payload.get("e")).first()
    if invitation is None:
        raise BadToken("This invitation was withdrawn.")
    if not Invitation.objects.filter(id=invitation.id, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    ):
        raise BadToken("This invitation was already accepted. Sign in to reach the desk.")
    person = get_or_create_person(invitation.email)
    membership, _ = Membership.objects.get_or_create(
        publication=invitation.publication, person=person, defaults={"role": invitation.role}
    )
    return membership
