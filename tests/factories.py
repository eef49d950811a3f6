"""Factories: small functions that make the rows a test needs, with sensible defaults."""

import datetime as dt
import itertools

from django.utils import timezone

from masthead.accounts.models import Person
from masthead.engagement.services import add_comment, like_post
from masthead.posts.models import PostStatus
from masthead.posts.services import create_post, publish_post
from masthead.publications.models import Publication, PublicationHost

_sequence = itertools.count(1)


def make_person(name: str = "", email: str = "") -> Person:
    number = next(_sequence)
    return Person.objects.create_user(
        email or f"person{number}@example.com", display_name=name or f"Person {number}"
    )


def make_publication(name: str = "", slug: str = "", host: str = "") -> Publication:
    number = next(_sequence)
    publication = Publication.objects.create(
        name=name or f"Publication {number}", slug=slug or f"publication-{number}"
    )
    if host:
        PublicationHost.objects.create(publication=publication, host=host)
    return publication


def make_post(
    publication: Publication,
    title: str = "",
    *,
    published_at=None,
    status: str = PostStatus.PUBLISHED,
    author: Person | None = None,
    body: str = "Some words.\n\nMore words.",
    **fields,
):
    number = next(_sequence)
    post = create_post(
        publication,
        [author or make_person()],
        title=title or f"Post {number}",
        body_markdown=body,
        **fields,
    )
    if status == PostStatus.PUBLISHED:
        publish_post(post, published_at=published_at or timezone.now() - dt.timedelta(days=number))
    elif status != PostStatus.DRAFT:
        post.status = status
        post.published_at = published_at
        post.save(update_fields=["status", "published_at"])
    post.refresh_from_db()
    return post


def add_likes(post, count: int) -> None:
    for _ in range(count):
        like_post(post, make_person())
    post.refresh_from_db()


def add_comments(post, count: int, at=None) -> None:
    for index in range(count):
        moment = at + dt.timedelta(seconds=index) if at else None
        add_comment(post, make_person(), "A comment.", at=moment)
    post.refresh_from_db()
