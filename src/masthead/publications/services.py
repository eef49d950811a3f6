"""Creating publications, changing their settings and face, and giving people roles on them."""

import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from masthead.accounts.models import Person
from masthead.accounts.services import normalize_email, replace_image, request_sign_in
from masthead.accounts.tokens import BadToken, make_token, read_token
from masthead.core.directives import SHARE_HREF, SUBSCRIBE_HREF, resolve_button_links, share_href
from masthead.core.images import ProcessedImage
from masthead.core.rendering import render_markdown
from masthead.core.time_zones import time_zone_names
from masthead.publications.links import publication_link, publication_root, site_path
from masthead.publications.models import (
    Invitation,
    Membership,
    Publication,
    PublicationHost,
    Role,
)
from masthead.publications.rules import can_create_publication


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
    )  # fmt: skip
    publication.about_html = render_about(publication, about)
    publication.save(update_fields=["about_html"])
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    for host in hosts or []:
        host = host.strip().lower().rstrip(".")
        if PublicationHost.objects.filter(host=host).exists():
            raise PublicationError(f"The host {host!r} already belongs to another publication.")
        PublicationHost.objects.create(publication=publication, host=host)
    return publication


def render_about(publication: Publication, about: str) -> str:
    """The About page's Markdown as HTML, its subscribe and share buttons leading to this
    publication (the renderer leaves placeholders, core.directives)."""
    html = render_markdown(about)
    if SUBSCRIBE_HREF not in html and SHARE_HREF not in html:
        return html
    return resolve_button_links(
        html,
        subscribe_url=publication_link(publication, "subscriptions:subscribe"),
        share_url=share_href(publication_root(publication) + "/", publication.name),
    )


def start_publication(person, *, name: str, slug: str = "", tagline: str = "") -> Publication:
    """A person starts a publication from the desk, if the install lets them; they own it."""
    if not can_create_publication(person):
        raise PermissionDenied("This install does not let you start a publication.")
    return create_publication(name=name, slug=slug, tagline=tagline, owner_email=person.email)


DEFAULT_ACCENT = "#b4431b"
PAGE_BACKGROUND = "#fffefb"  # site.css --bg, which links in the accent colour sit on
MIN_CONTRAST = 4.5  # WCAG AA for body-size text
HEX_COLOR = re.compile(r"^#[0-9a-f]{6}$")


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def accent_color_problem(color: str) -> str:
    """Why a colour cannot be the accent, for the writer to read; empty when it can. Buttons put
    white text on it and links are written in it on the page, so both must stay readable."""
    if not HEX_COLOR.match(color):
        return "Enter a colour as # and six hexadecimal digits, like #b4431b."
    on_button = contrast_ratio(color, "#ffffff")
    as_link = contrast_ratio(color, PAGE_BACKGROUND)
    if min(on_button, as_link) >= MIN_CONTRAST:
        return ""
    return (
        f"{color} is too light to read: white button text on it has a contrast of "
        f"{on_button:.1f}:1 and links in it on the page {as_link:.1f}:1, and both need at least "
        f"{MIN_CONTRAST}:1 so that everyone can read them. Choose a darker colour."
    )


@transaction.atomic
def update_publication_settings(
    publication: Publication,
    *,
    name: str,
    tagline: str,
    about: str,
    comment_policy: str,
    time_zone: str | None = None,
    accent_color: str | None = None,
    postal_address: str | None = None,
    logo: ProcessedImage | None = None,
    remove_logo: bool = False,
    social_image: ProcessedImage | None = None,
    remove_social_image: bool = False,
    is_hidden_from_search_engines: bool | None = None,
) -> Publication:
    """Change what readers see of a publication, its face and who may comment on it.

    None leaves the time zone, accent colour or postal address as they are; an empty colour is
    the default.
    """
    from masthead.publications.models import CommentPolicy

    if comment_policy not in CommentPolicy.values:
        raise PublicationError("Choose who may comment from the list.")
    publication.name = " ".join(name.split())
    publication.tagline = " ".join(tagline.split())
    publication.about_markdown = about
    publication.about_html = render_about(publication, about)
    publication.comment_policy = comment_policy
    fields = ["name", "tagline", "about_markdown", "about_html", "comment_policy"]
    if time_zone is not None:
        if time_zone not in time_zone_names():
            raise PublicationError("Choose a time zone from the list.")
        publication.time_zone = time_zone
        fields.append("time_zone")
    if accent_color is not None:
        accent_color = accent_color.strip().lower() or DEFAULT_ACCENT
        problem = accent_color_problem(accent_color)
        if problem:
            raise PublicationError(problem)
        publication.accent_color = accent_color
        fields.append("accent_color")
    if postal_address is not None:
        lines = (" ".join(line.split()) for line in postal_address.splitlines())
        publication.postal_address = "\n".join(line for line in lines if line)[:500]
        fields.append("postal_address")
    if is_hidden_from_search_engines is not None:
        publication.is_hidden_from_search_engines = is_hidden_from_search_engines
        fields.append("is_hidden_from_search_engines")
    if replace_image(publication.logo, logo, remove=remove_logo):
        fields.append("logo")
    if replace_image(publication.social_image, social_image, remove=remove_social_image):
        fields.append("social_image")
    publication.save(update_fields=fields)
    return publication


INVITATION_SALT = "masthead.invitation"
INVITATION_DAYS = 14


@transaction.atomic
def invite(publication: Publication, inviter, email: str, role: str):
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
    return make_token(INVITATION_SALT, {"i": invitation.id, "e": invitation.email})


def open_invitation(token: str) -> Invitation:
    """The invitation a link names, while it can still be accepted; reading it changes nothing."""
    payload = read_token(INVITATION_SALT, token, INVITATION_DAYS * 24 * 3600)
    invitation = (
        Invitation.objects.select_related("publication", "invited_by")
        .filter(id=payload.get("i"), email=payload.get("e"))
        .first()
    )
    if invitation is None:
        raise BadToken("This invitation was withdrawn.")
    if invitation.accepted_at is not None:
        raise BadToken("This invitation was already accepted. Sign in to reach the desk.")
    return invitation


def is_invited_person(invitation: Invitation, person) -> bool:
    return bool(
        person.is_authenticated
        and person.is_active
        and normalize_email(person.email) == normalize_email(invitation.email)
    )


@transaction.atomic
def accept_invitation(token: str, person) -> Membership:
    """Join the team as the signed-in person, who must be the invited address; works once.

    The link itself never signs anyone in: it lives for two weeks, too long to be a key to a
    staff session. Someone not signed in asks for a sign-in link first (email_invitation_sign_in).
    """
    invitation = open_invitation(token)
    if not is_invited_person(invitation, person):
        raise PermissionDenied("This invitation is for another address.")
    # Conditional update: of two accepts racing, exactly one joins.
    if not Invitation.objects.filter(id=invitation.id, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    ):
        raise BadToken("This invitation was already accepted. Sign in to reach the desk.")
    membership, _ = Membership.objects.get_or_create(
        publication=invitation.publication, person=person, defaults={"role": invitation.role}
    )
    return membership


def email_invitation_sign_in(token: str, client: str) -> Invitation:
    """Email the invited address a sign-in link that comes back to the invitation.

    Only the address's owner can use it, so the invitation page can offer it to whoever holds the
    invitation link. Rate-limited like any sign-in (RateLimited).
    """
    invitation = open_invitation(token)
    # No publication: the desk, and so the session, lives on the install's own address.
    request_sign_in(invitation.email, client, site_path("desk:accept_invitation", token))
    return invitation
