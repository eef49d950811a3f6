"""Sections of a publication: the desk's use cases (create, edit, delete, count who gets each),
what the newsletter of a section's post looks like (sender, whether it is emailed at all), the
reader's choices (leave or rejoin a section, the weekly digest) and a section's archive page."""

import re

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404

from masthead.desk.lookups import MANAGERS, get_membership
from masthead.posts.models import Post
from masthead.publications.models import Membership, Publication, Section
from masthead.subscriptions.models import SectionOptOut, Subscription, SubscriptionStatus

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


class SlugTaken(Exception):
    """Another section of the publication already has this address."""


# Lookups ------------------------------------------------------------------------------------


def get_sections_manager(person, publication_slug: str) -> Membership:
    """Owners and admins manage sections; authors only choose one for their post (403)."""
    return get_membership(person, publication_slug, roles=MANAGERS)


def get_section_for_manager(person, publication_slug: str, section_id: int):
    membership = get_sections_manager(person, publication_slug)
    section = Section.objects.filter(id=section_id, publication=membership.publication).first()
    if section is None:
        raise Http404("No such section.")
    return membership, section


def get_public_section(publication: Publication, slug: str) -> Section:
    """A section by its address, for the public pages; anything else is a 404 (a string that
    cannot be a slug never reaches the database: PostgreSQL refuses NUL characters)."""
    if not SLUG.fullmatch(slug):
        raise Http404("No such section.")
    section = Section.objects.filter(publication=publication, slug=slug).first()
    if section is None:
        raise Http404("No such section.")
    return section


# Reads --------------------------------------------------------------------------------------


def sections_of(publication: Publication) -> list[Section]:
    return list(Section.objects.filter(publication=publication).order_by("name", "id"))


def sections_with_counts(publication: Publication) -> list[Section]:
    """The publication's sections, each with `subscriber_count` (active subscribers who did not
    leave it) and `post_count`: two queries whatever the numbers."""
    active_count = Subscription.objects.filter(
        publication=publication, status=SubscriptionStatus.ACTIVE
    ).count()
    sections = (
        Section.objects.filter(publication=publication)
        .annotate(
            left_count=Count(
                "opt_outs",
                filter=Q(opt_outs__subscription__status=SubscriptionStatus.ACTIVE),
                distinct=True,
            ),
            post_count=Count("post", distinct=True),
        )
        .order_by("name", "id")
    )
    result = list(sections)
    for section in result:
        section.subscriber_count = active_count - section.left_count
    return result


def email_choices(subscriptions: list[Subscription]) -> None:
    """Give each subscription `section_choices`: (section, is_received) for every section of its
    publication. Two queries for any number of subscriptions."""
    publication_ids = {subscription.publication_id for subscription in subscriptions}
    by_publication: dict[int, list[Section]] = {}
    for section in Section.objects.filter(publication_id__in=publication_ids).order_by(
        "name", "id"
    ):
        by_publication.setdefault(section.publication_id, []).append(section)
    left = set(
        SectionOptOut.objects.filter(
            subscription__in=[subscription.id for subscription in subscriptions]
        ).values_list("subscription_id", "section_id")
    )
    for subscription in subscriptions:
        subscription.section_choices = [
            (section, (subscription.id, section.id) not in left)
            for section in by_publication.get(subscription.publication_id, [])
        ]


def left_section_ids(subscription: Subscription) -> set[int]:
    return set(subscription.section_opt_outs.values_list("section_id", flat=True))


# The newsletter of a section's post ---------------------------------------------------------


# Desk use cases -----------------------------------------------------------------------------


def create_section(publication: Publication, **fields) -> Section:
    try:
        with transaction.atomic():
            return Section.objects.create(publication=publication, **fields)
    except IntegrityError:
        raise SlugTaken("Another section already has this address.") from None


def update_section(section: Section, **fields) -> Section:
    for name, value in fields.items():
        setattr(section, name, value)
    try:
        with transaction.atomic():
            section.save()
    except IntegrityError:
        raise SlugTaken("Another section already has this address.") from None
    return section


@transaction.atomic
def delete_section(section: Section) -> int:
    """Delete a section; its posts stay, with no section (Post.section is SET_NULL), and the
    readers' opt-outs of it go with it. Returns how many posts it had."""
    post_count = Post.objects.filter(section=section).count()
    section.delete()
    return post_count


# The reader's choices -----------------------------------------------------------------------


def leave_section(subscription: Subscription, section: Section) -> bool:
    """The reader stops getting the section's posts by email; True when this changed anything
    (a second click is harmless)."""
    if section.publication_id != subscription.publication_id:
        raise PermissionDenied("This section belongs to another publication.")
    _, created = SectionOptOut.objects.get_or_create(subscription=subscription, section=section)
    return created


def rejoin_section(subscription: Subscription, section: Section) -> bool:
    deleted, _ = SectionOptOut.objects.filter(subscription=subscription, section=section).delete()
    return bool(deleted)


@transaction.atomic
def set_email_choices(
    subscription: Subscription, *, received_sections, gets_weekly_digest: bool
) -> None:
    """The account page's form: the sections the reader keeps (every other section of the
    publication is left) and whether the posts come weekly in one digest."""
    received_ids = {section.id for section in received_sections}
    publication_section_ids = set(
        Section.objects.filter(publication_id=subscription.publication_id).values_list(
            "id", flat=True
        )
    )
    left_ids = publication_section_ids - received_ids
    SectionOptOut.objects.filter(subscription=subscription).exclude(
        section_id__in=left_ids
    ).delete()
    already_left = left_section_ids(subscription)
    SectionOptOut.objects.bulk_create(
        [
            SectionOptOut(subscription=subscription, section_id=section_id)
            for section_id in sorted(left_ids - already_left)
        ],
        ignore_conflicts=True,
    )
    Subscription.objects.filter(id=subscription.id).update(gets_weekly_digest=gets_weekly_digest)
    subscription.gets_weekly_digest = gets_weekly_digest
