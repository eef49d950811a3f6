"""Public pages at 10,000 posts: a render (a cache miss) runs a bounded number of queries, the
same bound as at 100 posts, and a stored copy is served with almost none."""

import datetime as dt

import pytest
from django.utils import timezone

from masthead.engagement.models import Comment, Like
from masthead.notes.models import Note, NoteLike
from masthead.posts.models import Post, PostAuthor, PostStatus
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db

# The most queries each page may run when it is rendered (a cache miss): measured at 10,000
# posts (home 4, archive 4, post 6, notes 5, feed 4, sitemap index 11, posts sitemap 7, about 4,
# leaderboard 4), plus a little room. The same bounds hold at 100 posts.
RENDER_BOUNDS = {
    "/": 7,
    "/archive/?sort=new": 7,
    "/archive/?sort=new&page=2": 7,
    "/archive/?sort=top": 7,
    "/archive/?sort=discussions": 7,
    "/p/post-3/": 9,
    "/notes/": 8,
    "/feed/": 7,
    "/sitemap.xml": 14,
    "/sitemap-posts.xml": 10,
    "/about/": 7,
    "/leaderboard/": 7,
}
# A stored page through Django: routing finds the publication (by host, then the primary one);
# an anonymous reader has no session to load.
ANONYMOUS_HIT_BOUND = 2
# A signed-in reader's shared archive copy: routing, the session, the person, and the audience
# (their subscription and paid access).
SIGNED_IN_HIT_BOUND = 7
READERS = 40  # people who like and comment
NOTES = 30


def build_publication(post_count: int):
    """One publication with `post_count` published posts, likes, comments and notes, written
    in bulk (model signals, and so invalidation, are not needed: nothing is stored yet)."""
    publication = make_publication(name="The Big Archive", slug="big-archive")
    author = make_person("Ada Author")
    Membership.objects.create(publication=publication, person=author, role=Role.OWNER)
    readers = [make_person() for _ in range(READERS)]
    now = timezone.now()
    posts = Post.objects.bulk_create(
        (
            Post(
                publication=publication,
                title=f"Post number {number}",
                subtitle="A subtitle",
                slug=f"post-{number}",
                body_markdown="Some words.",
                body_html="<p>Some words.</p>",
                preview_html="<p>Some words.</p>",
                status=PostStatus.PUBLISHED,
                published_at=now - dt.timedelta(minutes=number),
                like_count=number % 7,
                comment_count=number % 5,
                last_comment_at=now - dt.timedelta(minutes=number) if number % 5 else None,
            )
            for number in range(post_count)
        ),
        batch_size=2000,
    )
    PostAuthor.objects.bulk_create(
        (PostAuthor(post=post, person=author) for post in posts), batch_size=2000
    )
    engaged = posts[:READERS]
    Like.objects.bulk_create(
        Like(post=post, person=reader) for post in engaged for reader in readers[:5]
    )
    Comment.objects.bulk_create(
        Comment(post=post, person=reader, body_markdown="Hm.", body_html="<p>Hm.</p>")
        for post in engaged
        for reader in readers[:3]
    )
    notes = Note.objects.bulk_create(
        Note(
            author=author,
            publication=publication,
            body_markdown=f"Note {number}",
            body_html=f"<p>Note {number}</p>",
            linked_post=posts[number],
            created_at=now - dt.timedelta(minutes=number),
        )
        for number in range(NOTES)
    )
    NoteLike.objects.bulk_create(
        NoteLike(note=note, person=reader) for note in notes[:5] for reader in readers[:4]
    )
    other = make_publication(name="A Small One", slug="small-one")
    make_post(other, "Elsewhere")
    return publication


@pytest.mark.parametrize("post_count", [100, 10_000])
def test_rendering_each_page_runs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, post_count
):
    build_publication(post_count)

    for url, bound in RENDER_BOUNDS.items():
        with django_assert_max_num_queries(bound, info=f"rendering {url} at {post_count} posts"):
            response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Page-Cache"] == "miss", url


def test_the_posts_sitemap_lists_every_post(client):
    build_publication(1_000)

    response = client.get("/sitemap-posts.xml")

    assert response.content.count(b"<loc>") == 1_000  # and not the small publication's post


def test_a_stored_page_is_served_with_only_the_routing_queries(
    client, django_assert_max_num_queries
):
    build_publication(10_000)
    for url in RENDER_BOUNDS:
        client.get(url)

    for url in RENDER_BOUNDS:
        with django_assert_max_num_queries(ANONYMOUS_HIT_BOUND, info=f"a hit of {url}"):
            response = client.get(url)
        assert response["X-Page-Cache"] == "hit", url


def test_a_signed_in_readers_shared_copy_is_served_with_a_few_queries(
    client, django_assert_max_num_queries
):
    publication = build_publication(10_000)
    reader = make_person("Rita Reader")
    Subscription.objects.create(
        publication=publication,
        person=reader,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )
    client.force_login(reader)
    client.get("/archive/?sort=top")

    with django_assert_max_num_queries(SIGNED_IN_HIT_BOUND):
        response = client.get("/archive/?sort=top")

    assert response["X-Page-Cache"] == "hit"
