"""Create (or complete) the demo publication; safe to run any number of times."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from masthead.accounts.models import Person
from masthead.core.rendering import render_markdown
from masthead.demo import content
from masthead.demo.chat import load_demo_chat
from masthead.demo.notes import load_demo_notes
from masthead.engagement.models import Comment, Like
from masthead.engagement.services import recount_post_engagement
from masthead.posts.models import Post
from masthead.posts.services import create_post, publish_post
from masthead.publications.models import Membership, Publication, Role
from masthead.referrals.models import Referral, RewardKind, RewardTier
from masthead.referrals.services import referral_code_for, save_reward_tiers
from masthead.stats.models import RollupRun
from masthead.stats.rollups import rebuild_day
from masthead.stats.rollups.days import local_today
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

DEMO_HISTORY_DAYS = 120  # how far back the demo readers' subscriptions go


def reader_email(index: int) -> str:
    return f"reader{index + 1:02d}@demo.example.com"


@transaction.atomic
def load_demo_publication() -> Publication:
    publication, _ = Publication.objects.get_or_create(
        slug=content.PUBLICATION["slug"],
        defaults={
            "name": content.PUBLICATION["name"],
            "tagline": content.PUBLICATION["tagline"],
            "about_markdown": content.PUBLICATION["about"],
            "about_html": render_markdown(content.PUBLICATION["about"]),
        },
    )
    author, _ = Person.objects.get_or_create(
        email=content.AUTHOR["email"], defaults={"display_name": content.AUTHOR["name"]}
    )
    Membership.objects.get_or_create(
        publication=publication, person=author, defaults={"role": Role.OWNER}
    )
    readers = [
        Person.objects.get_or_create(email=reader_email(index), defaults={"display_name": name})[0]
        for index, name in enumerate(content.READER_NAMES)
    ]
    subscribe_demo_readers(publication, readers)
    add_demo_referrals(publication, readers)
    for title, subtitle, date, like_count, comment_count in content.POSTS:
        post = ensure_post(publication, author, title, subtitle, date)
        ensure_engagement(post, readers, like_count, comment_count)
    load_demo_notes(publication)  # after the posts: notes link to and restack the newest one
    load_demo_chat(publication)  # marked announced: loading emails no demo subscriber
    backfill_demo_stats(publication)
    return publication


def subscribe_demo_readers(publication, readers) -> None:
    """The demo readers are confirmed subscribers, so the desk and newsletters have an audience.
    They joined over the last months, a few at a time, so the Stats pages draw a history."""
    now = timezone.now()
    Subscription.objects.bulk_create(
        [
            Subscription(
                publication=publication,
                person=reader,
                status=SubscriptionStatus.ACTIVE,
                source=SubscriptionSource.IMPORT if index < 10 else SubscriptionSource.WEBSITE,
                created_at=now - dt.timedelta(days=joined_days_ago(index, len(readers))),
                confirmed_at=now - dt.timedelta(days=joined_days_ago(index, len(readers))),
            )
            for index, reader in enumerate(readers)
        ],
        ignore_conflicts=True,
    )


def joined_days_ago(index: int, count: int) -> int:
    """The first ten readers came with an import a year ago; the others one every few days."""
    return DEMO_HISTORY_DAYS if index < 10 else (count - index) * DEMO_HISTORY_DAYS // count


def backfill_demo_stats(publication) -> None:
    """Build the Stats pages' daily numbers of the demo's history once (the worker keeps today's
    current from then on)."""
    if RollupRun.objects.filter(publication=publication).exists():
        return
    today = local_today(publication)
    for days_ago in range(DEMO_HISTORY_DAYS, -1, -1):
        rebuild_day(publication, today - dt.timedelta(days=days_ago))


# (index of the referrer in READER_NAMES, indexes of the readers they brought)
DEMO_REFERRALS = [
    (0, range(10, 16)),
    (3, range(16, 20)),
    (7, range(20, 23)),
    (12, range(23, 25)),
    (1, range(25, 26)),
]
DEMO_TIERS = [
    {"threshold": 2, "kind": RewardKind.MONTHS, "months": 1},
    {"threshold": 5, "kind": RewardKind.MONTHS, "months": 3},
    {
        "threshold": 25,
        "kind": RewardKind.CUSTOM,
        "description": "A signed print of a system diagram",
    },
]


def add_demo_referrals(publication, readers) -> None:
    """Readers who brought readers, so the Leaderboard has a ranking; no rewards are sent."""
    if not RewardTier.objects.filter(publication=publication).exists():
        save_reward_tiers(publication, DEMO_TIERS)
    subscriptions = {
        subscription.person_id: subscription
        for subscription in Subscription.objects.filter(publication=publication, person__in=readers)
    }
    for referrer_index, friend_indexes in DEMO_REFERRALS:
        code = referral_code_for(publication, readers[referrer_index])
        for step, friend_index in enumerate(friend_indexes):
            subscription = subscriptions[readers[friend_index].id]
            if subscription.referral_code != code.code:
                subscription.referral_code = code.code
                subscription.save(update_fields=["referral_code"])
            Referral.objects.get_or_create(
                subscription=subscription,
                defaults={
                    "referral_code": code,
                    "confirmed_at": publication.created_at + dt.timedelta(days=step + 1),
                },
            )


def ensure_post(publication, author, title, subtitle, date) -> Post:
    slug = slugify(title)[:100]
    post = Post.objects.filter(publication=publication, slug=slug).first()
    if post is None:
        post = create_post(
            publication,
            [author],
            title=title,
            subtitle=subtitle,
            body_markdown=content.post_body(title, subtitle),
            slug=slug,
        )
        published_at = dt.datetime.fromisoformat(date).replace(hour=9, tzinfo=dt.UTC)
        publish_post(post, published_at=published_at)
    return post


def ensure_engagement(post: Post, readers, like_count: int, comment_count: int) -> None:
    Like.objects.bulk_create(
        [
            Like(post=post, person=reader, created_at=post.published_at)
            for reader in readers[:like_count]
        ],
        ignore_conflicts=True,
    )
    existing = Comment.objects.filter(post=post, person__in=readers).count()
    for index in range(existing, comment_count):
        body = content.COMMENTS[(index + post.id) % len(content.COMMENTS)]
        Comment.objects.create(
            post=post,
            person=readers[-1 - index],
            body_markdown=body,
            body_html=render_markdown(body),
            created_at=post.published_at + dt.timedelta(hours=3 + 5 * index),
        )
    recount_post_engagement(post.id)
