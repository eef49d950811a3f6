"""The demo publication matches its seed archive and loads idempotently."""

import datetime as dt

import pytest

from masthead.accounts.models import Person
from masthead.demo import content
from masthead.demo.services import load_demo_publication
from masthead.engagement.models import Comment, Like
from masthead.notes.models import Note
from masthead.posts.models import Post
from masthead.referrals.models import Referral, ReferralCode, RewardGrant, RewardTier
from masthead.referrals.queries import leaderboard
from masthead.subscriptions.models import Subscription

pytestmark = pytest.mark.django_db


def test_demo_has_the_seed_posts_with_their_dates_and_counts():
    publication = load_demo_publication()

    posts = list(publication.posts.order_by("-published_at"))

    assert [post.title for post in posts] == [row[0] for row in content.POSTS]
    for post, (_, subtitle, date, likes, comments) in zip(posts, content.POSTS, strict=True):
        assert post.subtitle == subtitle
        assert post.published_at.date() == dt.date.fromisoformat(date)
        assert post.likes.count() == likes == post.like_count
        assert post.comments.count() == comments == post.comment_count
        assert post.bylines.get().person.display_name == "Animesh Gaitonde"


def test_demo_readers_are_confirmed_subscribers():
    publication = load_demo_publication()

    active = publication.subscriptions.filter(status="active", confirmed_at__isnull=False)
    assert active.count() == len(content.READER_NAMES)


def test_demo_stats_draw_the_readers_arriving_over_its_history():
    from masthead.demo.services import DEMO_HISTORY_DAYS
    from masthead.stats.models import DailyPublicationStats

    publication = load_demo_publication()

    days = list(
        DailyPublicationStats.objects.filter(publication=publication)
        .order_by("day")
        .values_list("total", "gained")
    )
    assert len(days) == DEMO_HISTORY_DAYS + 1
    assert days[0][0] < days[-1][0] == len(content.READER_NAMES)
    assert sum(gained for _, gained in days) == len(content.READER_NAMES)


def test_loading_the_demo_twice_duplicates_nothing():
    load_demo_publication()
    tables = (
        Post, Like, Comment, Subscription, Person, ReferralCode, Referral, RewardTier, Note,
    )  # fmt: skip
    counts = [table.objects.count() for table in tables]

    load_demo_publication()

    assert [table.objects.count() for table in tables] == counts


def test_demo_leaderboard_ranks_demo_readers_by_referrals():
    publication = load_demo_publication()

    entries = leaderboard(publication)

    assert [(entry.name, entry.referral_count) for entry in entries] == [
        ("Asha Rao", 6),
        ("Dana Kowalski", 4),
        ("Hana Sato", 3),
        ("Maya Cohen", 2),
        ("Ben Okafor", 1),
    ]
    assert RewardTier.objects.filter(publication=publication).count() == 3
    assert not RewardGrant.objects.exists()


def test_demo_notes_are_dated_around_the_newest_post_and_link_to_it():
    publication = load_demo_publication()
    newest = publication.posts.order_by("-published_at").first()

    notes = Note.objects.filter(parent__isnull=True)

    assert notes.exists()
    assert all(note.created_at >= newest.published_at for note in notes)
    assert all(note.created_at < newest.published_at + dt.timedelta(days=1) for note in notes)
    assert Note.objects.filter(linked_post=newest).exists()


def test_the_demo_lets_anyone_who_signs_in_start_a_publication(monkeypatch, tmp_path):
    """`masthead demo` is for trying things out; an install's default (staff only) would leave
    a visitor's "Start a publication" refused. Its processes get MASTHEAD_PUBLICATION_CREATORS."""
    from masthead.demo import runner

    environment = {"MASTHEAD_DATA_DIR": str(tmp_path)}
    monkeypatch.setattr(runner.os, "environ", environment)
    seen = []
    monkeypatch.setattr(
        runner.subprocess, "call", lambda command: seen.append(dict(runner.os.environ)) or 0
    )

    assert runner.run_demo(["--no-serve"]) == 0

    assert seen and all(env["MASTHEAD_PUBLICATION_CREATORS"] == "anyone" for env in seen)


def test_the_demo_keeps_a_publication_creators_setting_it_is_given(monkeypatch, tmp_path):
    from masthead.demo import runner

    environment = {"MASTHEAD_DATA_DIR": str(tmp_path), "MASTHEAD_PUBLICATION_CREATORS": "staff"}
    monkeypatch.setattr(runner.os, "environ", environment)
    monkeypatch.setattr(runner.subprocess, "call", lambda command: 0)

    runner.run_demo(["--no-serve"])

    assert environment["MASTHEAD_PUBLICATION_CREATORS"] == "staff"
