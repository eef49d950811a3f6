"""Keeping, guarding and restoring revisions of posts.

Every save of a post's content keeps a revision, with one exception that keeps the list
readable: an autosave REPLACES the latest revision when that revision is an autosave by the
same person, begun less than AUTOSAVE_WINDOW ago, and this save started from it. So a writer
typing for an hour leaves about one revision per ten minutes, while an explicit Save, a
restore, another author or another tab always starts a new one.

A save names the version it started from (`base_version`, the latest revision's `version`
when the editor page was loaded or last saved); when another save happened since, `saving`
refuses with RevisionConflict and nothing is written, unless the writer chose to keep theirs
(`force`), which saves over it and keeps both as revisions.
"""

import datetime as dt
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from masthead.posts import services as post_services
from masthead.posts.models import Post
from masthead.revisions.models import PostRevision, RevisionKind
from masthead.revisions.queries import latest_revision

AUTOSAVE_WINDOW = dt.timedelta(minutes=10)


class RevisionConflict(Exception):
    """Someone saved the post after the version the save started from."""

    def __init__(self, latest: PostRevision):
        author = latest.author.name if latest.author else "someone"
        moment = timezone.localtime(latest.saved_at).strftime("%Y-%m-%d %H:%M")
        message = (
            f"Not saved: {author} saved this post at {moment}, after you opened it "
            "(in another tab or on another device). Nothing was overwritten."
        )
        super().__init__(message)
        self.message = message
        self.latest = latest


def parse_version(raw) -> int | None:
    """The version a form sent: None when it sent none (an older page) or nonsense."""
    try:
        version = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return version if 0 <= version < 2**31 else None


def _lock(post: Post) -> None:
    """Serialise the saves of one post (a no-op lock on SQLite, whose immediate transactions
    already serialise writers)."""
    if not Post.objects.select_for_update().filter(id=post.id).exists():
        raise post_services.PostError("This post was deleted.")


@contextmanager
def saving(post: Post, author, *, base_version: int | None, kind: str, force: bool = False):
    """Run the save in the block, then keep its revision, all in one transaction; refuse with
    RevisionConflict (before writing anything) when the post was saved since `base_version`.
    A None base (a form without the version) is not checked."""
    with transaction.atomic():
        _lock(post)
        latest = latest_revision(post)
        # Before any revision there is nothing to overwrite, whatever version the page claims.
        is_stale = latest is not None and base_version not in (None, latest.version)
        if is_stale and not force:
            raise RevisionConflict(latest)
        yield
        record_revision(post, author, kind=kind, base_version=base_version, is_forced=force)


@transaction.atomic
def record_revision(
    post: Post,
    author,
    *,
    kind: str = RevisionKind.SAVE,
    base_version: int | None = None,
    restored_from: int | None = None,
    is_forced: bool = False,
) -> PostRevision:
    """Keep what `post` says now (call after a successful save) as its newest revision; an
    autosave may replace the latest one instead (the module's docstring has the rule)."""
    now = timezone.now()
    latest = latest_revision(post)
    content = {
        "title": post.title,
        "subtitle": post.subtitle,
        "slug": post.slug,
        "body_markdown": post.body_markdown,
        "audience": post.audience,
        "post_kind": post.kind,
        "audio_url": post.audio_url,
        "tags": list(post.tags or []),
        "section_id": post.section_id,
        "email_subject": post.email_subject,
        "preview_text": post.preview_text,
    }
    # A save over someone else's ("Keep mine") keeps both: it never replaces.
    if latest is not None and not is_forced and _replaces(latest, author, kind, base_version, now):
        for name, value in content.items():
            setattr(latest, name, value)
        latest.version += 1
        latest.saved_at = now
        latest.save(update_fields=[*content, "version", "saved_at"])
        return latest
    return PostRevision.objects.create(
        post=post,
        number=latest.number + 1 if latest else 1,
        version=latest.version + 1 if latest else 1,
        kind=kind,
        author=author if getattr(author, "pk", None) else None,
        restored_from=restored_from,
        created_at=now,
        saved_at=now,
        **content,
    )


def _replaces(latest: PostRevision, author, kind: str, base_version, now) -> bool:
    return (
        kind == RevisionKind.AUTOSAVE
        and latest.kind == RevisionKind.AUTOSAVE
        and author is not None
        and latest.author_id == getattr(author, "pk", None)
        and latest.created_at >= now - AUTOSAVE_WINDOW
        and base_version in (None, latest.version)
    )


def restore_revision(post: Post, revision: PostRevision, author) -> PostRevision:
    """Write the revision's content back through the posts services, kept as a new revision.
    The post keeps its current address: restoring text never moves a published post."""
    content = post_services.PostContent(
        title=revision.title,
        subtitle=revision.subtitle,
        slug=post.slug,
        body_markdown=revision.body_markdown,
        audience=revision.audience,
        section=revision.section,
        kind=revision.post_kind,
        audio_url=revision.audio_url,
        tags=list(revision.tags or []),
    )
    with transaction.atomic():
        _lock(post)
        post_services.update_post(post, content)
        post.email_subject, post.preview_text = revision.email_subject, revision.preview_text
        post.save(update_fields=["email_subject", "preview_text"])
        return record_revision(
            post, author, kind=RevisionKind.RESTORE, restored_from=revision.number
        )
