"""Signing in with a magic link, and managing one's own account."""

import datetime as dt
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from masthead.accounts.models import Person, SignInLink
from masthead.accounts.tokens import BadToken, make_token, read_token
from masthead.core.images import ProcessedImage
from masthead.core.ratelimit import check_rate
from masthead.core.redirects import safe_next_path
from masthead.pagecache import invalidation

SIGN_IN_SALT = "masthead.sign-in"


def normalize_email(email: str) -> str:
    """Lowercased, with the domain in its ASCII (IDNA) form: the form Person rows store."""
    return Person.objects.normalize_email(email)


def get_or_create_person(email: str) -> Person:
    email = normalize_email(email)
    person = Person.objects.filter(email__iexact=email).first()
    return person or Person.objects.create_user(email)


def request_sign_in(email: str, client: str, next_url: str = "", publication=None) -> None:
    """Email a sign-in link to the address. Says nothing about whether it has an account.

    `publication` is the one the person asked on (the request's, never its Host header): the
    link points at its configured address, or at the install's when there is none.
    """
    email = normalize_email(email)
    check_rate("sign-in-client", client, settings.SIGN_IN_RATE_PER_CLIENT)
    check_rate("sign-in-address", email, settings.SIGN_IN_RATE_PER_ADDRESS)
    from masthead.accounts.tasks import send_sign_in_link

    with transaction.atomic():
        link = SignInLink.objects.create(
            email=email, next_url=safe_next_path(next_url), publication=publication
        )
        # The task row is written in this transaction: the link and its email stand or fall together.
        send_sign_in_link.enqueue(link.id)


def sign_in_token(link: SignInLink) -> str:
    return make_token(SIGN_IN_SALT, {"link": link.id, "email": link.email})


def open_sign_in_link(token: str) -> SignInLink:
    """The link a token names while it can still sign in; reading it spends nothing.

    The page a link opens calls this, so that a mail scanner fetching the link leaves it intact.
    """
    payload = read_token(SIGN_IN_SALT, token, settings.SIGN_IN_LINK_MINUTES * 60)
    link = (
        SignInLink.objects.select_related("publication")
        .filter(id=payload.get("link"), email=payload.get("email"))
        .first()
    )
    if link is None:
        raise BadToken("This link is not valid.")
    if link.used_at is not None:
        raise BadToken("This link was already used. Ask for a new one.")
    return link


@transaction.atomic
def use_sign_in_link(token: str) -> tuple[Person, str]:
    """Spend a sign-in link: returns the person (created on first sign-in) and where to go next."""
    link = open_sign_in_link(token)
    # Conditional update: of two clicks racing, exactly one spends the link.
    spent = SignInLink.objects.filter(id=link.id, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not spent:
        raise BadToken("This link was already used. Ask for a new one.")
    person = get_or_create_person(link.email)
    if not person.is_active:
        raise BadToken("This account is disabled.")
    return person, link.next_url


def forget_old_sign_in_links(older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    deleted, _ = SignInLink.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


@transaction.atomic
def rename(person: Person, display_name: str) -> Person:
    person.display_name = " ".join(display_name.split())[:80]
    person.save(update_fields=["display_name"])
    return person


def replace_image(field_file, image: ProcessedImage | None, *, remove: bool = False) -> bool:
    """Put a new image in an image field (or empty it, when `remove`), under a name nobody can
    guess; the file it replaces is deleted once the transaction commits, so a rolled-back change
    still finds its old file. Call inside the atomic block that saves the row. Returns whether
    the field changed."""
    old_name = field_file.name or ""
    if image is not None:
        name = f"{secrets.token_hex(16)}.{image.extension}"
        field_file.save(name, ContentFile(image.content), save=False)
    elif remove and old_name:
        field_file.name = ""
    else:
        return False
    if old_name and old_name != field_file.name:
        storage = field_file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return True


@transaction.atomic
def update_profile(
    person: Person,
    *,
    display_name: str,
    bio: str = "",
    avatar: ProcessedImage | None = None,
    remove_avatar: bool = False,
) -> Person:
    """Change how a person appears beside what they write: name, short bio, photo."""
    person.display_name = " ".join(display_name.split())[:80]
    person.bio = " ".join(bio.split())[:300]
    fields = ["display_name", "bio"]
    if replace_image(person.avatar, avatar, remove=remove_avatar):
        fields.append("avatar")
    person.save(update_fields=fields)
    return person


class AccountDeletionRefused(Exception):
    pass


@transaction.atomic
def delete_account(person: Person) -> None:
    """Delete a person and everything of theirs; their comments stay as "deleted user"."""
    from masthead.publications.models import Membership, Role

    for membership in Membership.objects.filter(person=person, role=Role.OWNER):
        other_owners = Membership.objects.filter(
            publication=membership.publication, role=Role.OWNER
        ).exclude(person=person)
        if not other_owners.exists():
            raise AccountDeletionRefused(
                f"You are the only owner of {membership.publication.name}. Make someone else an "
                "owner, or delete the publication, before deleting your account."
            )
    from masthead.engagement.models import Comment

    Comment.objects.filter(person=person).update(person=None)
    invalidation.site_changed()
    SignInLink.objects.filter(email__iexact=person.email).delete()
    replace_image(person.avatar, None, remove=True)  # the photo goes with the account
    person.delete()
