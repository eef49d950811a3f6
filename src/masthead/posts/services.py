"""Changes to posts: writing, publishing, scheduling, unpublishing, deleting. Every write is atomic.

A post is a draft, scheduled (published_at is the moment it goes out) or published. A page (one
kind of post) is never emailed: publishing or scheduling one drops the request. Scheduling
writes the post and its publishing task in one transaction; the task publishes only if the post
is still scheduled for that same moment, so a stale task after a reschedule does nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from masthead.accounts.services import replace_image
from masthead.core.directives import (
    SHARE_HREF,
    SUBSCRIBE_HREF,
    resolve_button_links,
    share_href,
)
from masthead.core.images import ProcessedImage
from masthead.outbox.events import post_data, record_event
from masthead.pagecache import invalidation
from masthead.posts.audio import MAX_AUDIO_URL_CHARS
from masthead.posts.models import (
    Audience,
    Post,
    PostAuthor,
    PostKind,
    PostSlugRedirect,
    PostStatus,
)
from masthead.posts.paywall import PaywallSplit, split_at_paywall
from masthead.posts.queries import published_pages
from masthead.publications.links import publication_link, publication_root
from masthead.publications.models import Publication, Section
from masthead.publications.section_email import emails_posts

# Far enough for any real plan; nearer than the end of the calendar, where time zones overflow.
MAX_SCHEDULE_AHEAD = dt.timedelta(days=5 * 366)

# What publishing, scheduling and unpublishing change on a post, saved together.
PUBLISHING_FIELDS = [
    "status",
    "published_at",
    "updated_at",
    "email_requested",
    "email_requested_at",
]


class PostError(Exception):
    """A change the writer asked for cannot be made; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class PostContent:
    """What the editor writes. An empty slug keeps a published post's address and makes an
    unpublished post's address from its title."""

    title: str
    subtitle: str = ""
    slug: str = ""
    body_markdown: str = ""
    audience: str = Audience.EVERYONE
    section: Section | None = None
    # A new cover, or remove_cover to drop the one there is; neither leaves the cover as it is.
    cover: ProcessedImage | None = None
    remove_cover: bool = False
    # None leaves what the post has: a form that did not show these fields changes nothing.
    kind: str | None = None
    audio_url: str | None = None
    tags: list[str] | None = None


MAX_TAGS = 10
MAX_TAG_CHARS = 40


def tidy_tags(tags) -> list[str]:
    """Tags as stored: spaces collapsed, control characters (PostgreSQL refuses a NUL in JSON),
    empty tags and repeats (in any case) dropped, in order.
    The editor refuses more than MAX_TAGS or longer than MAX_TAG_CHARS with a message; an import
    keeps the first MAX_TAGS, each cut to MAX_TAG_CHARS."""
    tidy: list[str] = []
    seen: set[str] = set()
    if not isinstance(tags, list | tuple):
        return []
    for tag in tags:
        if not isinstance(tag, str):
            continue
        printable = "".join(char if char.isprintable() else " " for char in tag)
        label = " ".join(printable.split())[:MAX_TAG_CHARS].strip()
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            tidy.append(label)
    return tidy[:MAX_TAGS]


def check_kind_audience_and_audio(kind: str, audience: str, audio_url: str) -> None:
    """Refuse values no form would send (an import might): the post is not written."""
    if kind not in PostKind.values:
        raise PostError(
            "Choose what this is: a post, a page, a discussion thread or a podcast.", field="kind"
        )
    if audience not in Audience.values:
        raise PostError("Choose who may read the whole post.", field="audience")
    if (
        not isinstance(audio_url, str)
        or len(audio_url) > MAX_AUDIO_URL_CHARS
        or "\x00" in audio_url
    ):
        raise PostError(
            f"The audio address must be a web address of at most {MAX_AUDIO_URL_CHARS} characters.",
            field="audio_url",
        )


def unique_post_slug(publication: Publication, title: str, exclude_id: int | None = None) -> str:
    """A free slug made from the title; old addresses of other posts count as taken."""
    base = slugify(title)[:100] or "post"
    slug, counter = base, 2
    while is_slug_taken(publication, slug, exclude_id):
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def is_slug_taken(publication: Publication, slug: str, exclude_id: int | None = None) -> bool:
    posts = Post.objects.filter(publication=publication, slug=slug).exclude(id=exclude_id)
    redirects = PostSlugRedirect.objects.filter(publication=publication, old_slug=slug).exclude(
        post_id=exclude_id
    )
    return posts.exists() or redirects.exists()


def has_slug_from_title(post: Post) -> bool:
    """Whether an unpublished post's slug is the one its title gives, so it may follow the title."""
    if post.status == PostStatus.PUBLISHED:
        return False
    return post.slug == unique_post_slug(post.publication, post.title, exclude_id=post.id)


def render_post_body(post: Post) -> PaywallSplit:
    """Render the whole post and the preview its paywall leaves (posts.paywall has the rule);
    the split is returned for the editor, which shows where the cut falls."""
    split = _with_button_links(post, split_at_paywall(post.body_markdown))
    post.body_html = split.full_html
    post.preview_html = split.preview_html
    return split


def _with_button_links(post: Post, split: PaywallSplit) -> PaywallSplit:
    """The split with its subscribe and share buttons leading to this publication and post (the
    renderer leaves placeholders: it knows neither, core.directives)."""
    if SUBSCRIBE_HREF not in split.full_html and SHARE_HREF not in split.full_html:
        return split  # no button: no query for the publication's address
    subscribe_url = publication_link(post.publication, "subscriptions:subscribe")
    if post.slug:
        post_url = publication_link(post.publication, "posts:detail", post.slug)
    else:
        post_url = publication_root(post.publication) + "/"
    links = {"subscribe_url": subscribe_url, "share_url": share_href(post_url, post.title)}
    return split._replace(
        preview_html=resolve_button_links(split.preview_html, **links),
        full_html=resolve_button_links(split.full_html, **links),
        rest_html=resolve_button_links(split.rest_html, **links),
    )


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
    cover: ProcessedImage | None = None,
    kind: str = PostKind.POST,
    audio_url: str = "",
    tags=(),
) -> Post:
    check_kind_audience_and_audio(kind, audience, audio_url)
    if slug and is_slug_taken(publication, slug):
        raise PostError(slug_taken_message(slug), field="slug")
    post = Post(
        publication=publication,
        title=title,
        subtitle=subtitle,
        body_markdown=body_markdown,
        slug=slug or unique_post_slug(publication, title),
        audience=audience,
        section=section,
        kind=kind,
        audio_url=audio_url,
        tags=tidy_tags(tags),
    )
    render_post_body(post)
    replace_image(post.cover_image, cover)
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:
        # Another post took the slug between the check and the insert.
        raise PostError(slug_taken_message(post.slug), field="slug") from None
    PostAuthor.objects.bulk_create(
        PostAuthor(post=post, person=person, position=index) for index, person in enumerate(authors)
    )
    return post


def slug_taken_message(slug: str) -> str:
    return (
        f"Another post has the address “{slug}”, or had it and still redirects from it. "
        "Choose another address."
    )


def _locked(post: Post) -> Post:
    """The post's current row, locked until the transaction ends (a no-op lock on SQLite,
    whose immediate transactions already serialise writers)."""
    row = (
        Post.objects.select_for_update(of=("self",))
        .select_related("publication")
        .filter(id=post.id)
        .first()
    )
    if row is None:
        raise PostError("This post was deleted.")
    return row


def _write_content(post: Post, content: PostContent) -> None:
    """Apply the editor's content to a locked row; keep the old address of a published post."""
    if content.slug:
        slug = content.slug
    elif post.status == PostStatus.PUBLISHED:
        slug = post.slug
    else:
        slug = unique_post_slug(post.publication, content.title, exclude_id=post.id)
    if slug != post.slug and is_slug_taken(post.publication, slug, exclude_id=post.id):
        raise PostError(slug_taken_message(slug), field="slug")
    old_slug = post.slug
    post.title = content.title
    post.subtitle = content.subtitle
    post.slug = slug
    post.body_markdown = content.body_markdown
    post.audience = content.audience
    post.section = content.section
    post.updated_at = timezone.now()
    render_post_body(post)
    fields = [
        "title", "subtitle", "slug", "body_markdown", "body_html", "preview_html", "audience",
        "section", "updated_at",
    ]  # fmt: skip
    fields += _write_kind_audio_and_tags(post, content)
    if replace_image(post.cover_image, content.cover, remove=content.remove_cover):
        fields.append("cover_image")
    try:
        with transaction.atomic():
            post.save(update_fields=fields)
    except IntegrityError:
        if content.cover is not None:
            post.cover_image.storage.delete(post.cover_image.name)  # nothing refers to it
        raise PostError(slug_taken_message(slug), field="slug") from None
    if slug != old_slug:
        # The post's own old address may be taken back; it then stops redirecting.
        PostSlugRedirect.objects.filter(publication=post.publication, old_slug=slug).delete()
        if post.status == PostStatus.PUBLISHED:
            PostSlugRedirect.objects.update_or_create(
                publication=post.publication, old_slug=old_slug, defaults={"post": post}
            )


def _write_kind_audio_and_tags(post: Post, content: PostContent) -> list[str]:
    """Apply what the content gives of kind, audio and tags; the names of the fields changed."""
    kind = post.kind if content.kind is None else content.kind
    audio_url = post.audio_url if content.audio_url is None else content.audio_url
    check_kind_audience_and_audio(kind, content.audience, audio_url)
    fields = []
    if content.kind is not None:
        post.kind = content.kind
        fields.append("kind")
        if post.kind == PostKind.PAGE and post.status != PostStatus.PUBLISHED:
            # A scheduled post that became a page must not go out by email when its time comes.
            _request_email(post, False, None)
            fields += ["email_requested", "email_requested_at"]
    if content.audio_url is not None:
        post.audio_url = content.audio_url
        fields.append("audio_url")
    if content.tags is not None:
        post.tags = tidy_tags(content.tags)
        fields.append("tags")
    return fields


def _copy_state(target: Post, source: Post) -> Post:
    """Give the caller's instance the saved row's values, so views can keep using it."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


@transaction.atomic
def save_draft(post: Post, content: PostContent) -> Post:
    """Save the text of a draft or scheduled post; its status never changes. Autosave uses this."""
    current = _locked(post)
    if current.status == PostStatus.PUBLISHED:
        raise PostError(
            "This post has been published meanwhile, so it is no longer saved automatically. "
            "Reload the page, then use “Update post”."
        )
    _write_content(current, content)
    return _copy_state(post, current)


@transaction.atomic
def update_post(post: Post, content: PostContent) -> Post:
    """Save the text of a post whatever its status; a published post changes for its readers."""
    current = _locked(post)
    _write_content(current, content)
    refresh_page_links(current)
    if current.status == PostStatus.PUBLISHED:
        record_event(current.publication_id, "post.updated", post_data(current))
    return _copy_state(post, current)


def refresh_page_links(post: Post) -> None:
    """Rewrite the publication's footer links when `post` is, or was, one of its pages."""
    publication = Publication.objects.filter(id=post.publication_id).only("page_links").first()
    if publication is None:
        return
    was_linked = any(link.get("id") == post.id for link in publication.page_links)
    if post.kind != PostKind.PAGE and not was_linked:
        return
    links = [
        {"id": page.id, "slug": page.slug, "title": page.title}
        for page in published_pages(publication)
    ]
    if links != publication.page_links:
        Publication.objects.filter(id=publication.id).update(page_links=links)
        invalidation.publication_changed(publication.id)


def _request_email(post: Post, send_email: bool, now) -> None:
    post.email_requested = send_email
    post.email_requested_at = now if send_email else None


@transaction.atomic
def publish_post(
    post: Post,
    published_at=None,
    *,
    send_email: bool = False,
    content: PostContent | None = None,
) -> Post:
    """Publish now (or at `published_at`, for imports). A scheduled post goes out now."""
    current = _locked(post)
    if content is not None:
        _write_content(current, content)
    now = timezone.now()
    was_published = current.status == PostStatus.PUBLISHED
    if current.status != PostStatus.PUBLISHED:
        # Only the moment of publishing says whether the post goes out by email; a page never does.
        # A section can be one whose posts are not emailed (publications.section_email).
        wants_email = send_email and not current.is_page and emails_posts(current)
        _request_email(current, wants_email, now)
    if current.status == PostStatus.SCHEDULED:
        current.published_at = None  # that was the planned moment; the post goes out now
    current.published_at = published_at or current.published_at or now
    current.status = PostStatus.PUBLISHED
    current.updated_at = now
    current.save(update_fields=PUBLISHING_FIELDS)
    if current.email_requested:
        from masthead.delivery.services import create_send

        create_send(current)  # in this transaction: published and queued for email together
    refresh_page_links(current)
    if not was_published or content is not None:
        event_type = "post.updated" if was_published else "post.published"
        record_event(current.publication_id, event_type, post_data(current))
    return _copy_state(post, current)


def check_schedule_time(publish_at: dt.datetime) -> None:
    now = timezone.now()
    if publish_at <= now:
        moment = timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M")
        raise PostError(
            f"{moment} has already passed. Pick a time in the future.", field="publish_at"
        )
    if publish_at > now + MAX_SCHEDULE_AHEAD:
        raise PostError("Posts can be scheduled at most five years ahead.", field="publish_at")


@transaction.atomic
def schedule_post(
    post: Post,
    publish_at: dt.datetime,
    *,
    send_email: bool = False,
    content: PostContent | None = None,
) -> Post:
    """Plan a draft (or move a scheduled post) to go out at `publish_at`.

    The task row is written in this same transaction, so the schedule and its task are saved
    together or not at all, and both survive a restart.
    """
    from masthead.posts.tasks import publish_scheduled_post

    publish_at = publish_at.replace(microsecond=0)
    check_schedule_time(publish_at)
    current = _locked(post)
    if current.status == PostStatus.PUBLISHED:
        raise PostError("This post is already published. Unpublish it first to schedule it.")
    if content is not None:
        _write_content(current, content)
    now = timezone.now()
    current.status = PostStatus.SCHEDULED
    current.published_at = publish_at
    current.updated_at = now
    _request_email(current, send_email and not current.is_page, now)
    current.save(update_fields=PUBLISHING_FIELDS)
    publish_scheduled_post.using(run_after=publish_at).enqueue(current.id, publish_at.isoformat())
    return _copy_state(post, current)


def publish_if_still_scheduled(post_id: int, scheduled_for: dt.datetime) -> bool:
    """Publish a scheduled post, unless it was rescheduled, unpublished or deleted since.

    One conditional UPDATE: two workers running the same task publish the post once.
    """
    with transaction.atomic():
        published = Post.objects.filter(
            id=post_id, status=PostStatus.SCHEDULED, published_at=scheduled_for
        ).update(status=PostStatus.PUBLISHED, updated_at=timezone.now())
        if published == 1:
            invalidation.publication_changed(
                Post.objects.values_list("publication_id", flat=True).get(id=post_id)
            )
            from masthead.delivery.services import create_send

            post = Post.objects.select_related("publication").get(id=post_id)
            if post.email_requested and not post.is_page and emails_posts(post):
                create_send(post)  # in this transaction: published and queued together
            refresh_page_links(post)
            record_event(post.publication_id, "post.published", post_data(post))
    return published == 1


@transaction.atomic
def unpublish_post(post: Post) -> Post:
    """Take a published or scheduled post back to draft; a pending email request is dropped."""
    current = _locked(post)
    if current.status == PostStatus.DRAFT:
        return _copy_state(post, current)
    was_published = current.status == PostStatus.PUBLISHED
    current.status = PostStatus.DRAFT
    current.published_at = None  # the next publication dates it afresh
    current.updated_at = timezone.now()
    _request_email(current, False, None)
    current.save(update_fields=PUBLISHING_FIELDS)
    refresh_page_links(current)
    if was_published:
        record_event(current.publication_id, "post.unpublished", post_data(current))
    return _copy_state(post, current)


@transaction.atomic
def delete_post(post: Post) -> None:
    """Delete a post with its bylines, engagement, old addresses and cover; images in its text
    stay (another post may show them)."""
    current = Post.objects.filter(id=post.id).first()
    if current is not None:
        replace_image(current.cover_image, None, remove=True)
    Post.objects.filter(id=post.id).delete()
    if current is not None:
        refresh_page_links(current)
