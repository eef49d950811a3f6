"""Who may like, comment and moderate: the checks every engagement service makes.

Whether the post is public is the lookups' job (a 404 before any service is called).

Each rule answers with the reason a person may not do something, or None when they may, so
services refuse with it and the post page explains it without a second set of rules.
"""

from django.core.exceptions import PermissionDenied

from masthead.billing.access import has_paid_access
from masthead.engagement.models import Ban
from masthead.posts.models import Post, PostKind
from masthead.publications.models import CommentPolicy, Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus

SIGN_IN_FIRST = "Sign in first."
NOT_ON_PAGES = "Pages take no likes or comments."
BANNED = "The publication has stopped you from liking and commenting here."
COMMENTS_OFF = "Comments are turned off for this post."
SUBSCRIBERS_ONLY = "Only subscribers can comment on this publication."
PAID_ONLY = "Only paid subscribers can comment on this publication."


class EngagementRefused(PermissionDenied):
    """The person may not do this; the message is safe to show to them."""


def role_of(person, publication_id: int) -> str | None:
    if not person.is_authenticated:
        return None
    return (
        Membership.objects.filter(person=person, publication_id=publication_id)
        .values_list("role", flat=True)
        .first()
    )


def is_banned(person, publication_id: int) -> bool:
    if not person.is_authenticated:
        return False
    return Ban.objects.filter(person=person, publication_id=publication_id).exists()


def is_subscriber(person, publication_id: int) -> bool:
    return Subscription.objects.filter(
        person=person, publication_id=publication_id, status=SubscriptionStatus.ACTIVE
    ).exists()


def can_moderate_with_role(role: str | None, person, post: Post) -> bool:
    """Owners and admins moderate every post; authors the posts they wrote."""
    if role in (Role.OWNER, Role.ADMIN):
        return True
    if role == Role.AUTHOR:
        return post.bylines.filter(person=person).exists()
    return False


def can_moderate(person, post: Post) -> bool:
    return can_moderate_with_role(role_of(person, post.publication_id), person, post)


def can_ban(person, publication_id: int) -> bool:
    # A ban covers the whole publication, so only those who run all of it may ban.
    return role_of(person, publication_id) in (Role.OWNER, Role.ADMIN)


def like_refusal(person, post: Post) -> str | None:
    if post.kind == PostKind.PAGE:
        return NOT_ON_PAGES
    if not person.is_authenticated:
        return SIGN_IN_FIRST
    if is_banned(person, post.publication_id):
        return BANNED
    return None


def comment_refusal(person, post: Post, role: str | None = None) -> str | None:
    """Why `person` may not comment on `post` now, or None. Pass `role` when already known."""
    refusal = like_refusal(person, post)
    if refusal:
        return refusal
    if not post.comments_enabled:
        return COMMENTS_OFF
    policy = post.publication.comment_policy
    if policy == CommentPolicy.SIGNED_IN:
        return None
    if role is None:
        role = role_of(person, post.publication_id)
    if role is not None:
        return None
    if policy == CommentPolicy.SUBSCRIBERS and is_subscriber(person, post.publication_id):
        return None
    if policy == CommentPolicy.PAID and has_paid_access(person, post.publication_id):
        return None
    return PAID_ONLY if policy == CommentPolicy.PAID else SUBSCRIBERS_ONLY


def check(refusal: str | None) -> None:
    if refusal:
        raise EngagementRefused(refusal)
