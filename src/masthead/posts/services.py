"""Changes to posts: writing, publishing. Every write is atomic."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from masthead.core.rendering import render_markdown, render_preview
from masthead.posts.models import Audience, Post, PostAuthor, PostStatus
from masthead.publications.models import Publication


def unique_post_slug(publication: Publication, title: str, exclude_id: int | None = None) -> str:
    base = slugify(title)[:100] or "post"
    slug, counter = base, 2
    taken = Post.objects.filter(publication=publication).exclude(id=exclude_id)
    while taken.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def render_post_body(post: Post) -> None:
    post.body_html = render_markdown(post.body_markdown)
    post.preview_html = render_preview(post.body_markdown)


@transaction.atomic
def create_post(
    publication: Publication,
    authors,
    *,
    title: str,
    subtitle: str = "",
    body_markdown: str = "",
    slug: str = "",
    audience: str = Audience.EVERYONE,
    section=None,
) -> Post:
    post = Post(
        publication=publication,
        title=title,
        subtitle=subtitle,
        body_markdown=body_markdown,
        slug=slug or unique_post_slug(publication, title),
        audience=audience,
        section=section,
    )
    render_post_body(post)
    post.save()
    PostAuthor.objects.bulk_create(
        PostAuthor(post=post, person=person, position=index) for index, person in enumerate(authors)
    )
    return post


@transaction.atomic
def publish_post(post: Post, published_at=None) -> Post:
    post.status = PostStatus.PUBLISHED
    post.published_at = published_at or post.published_at or timezone.now()
    post.updated_at = timezone.now()
    post.save(update_fields=["status", "published_at", "updated_at"])
    return post
