"""Comment emails: one digest per post to its authors, and a note to the person replied to."""

from django.db import transaction
from django.tasks import task

from masthead.accounts.models import Person
from masthead.core.mail import build_email, publication_sender
from masthead.core.system_mail import send_system_mail
from masthead.engagement.models import Comment, NotificationSettings
from masthead.engagement.services import claim_comment_digest
from masthead.posts.models import Post, PostAuthor
from masthead.publications.links import install_link, publication_link


def _switched_off(people, flag: str) -> set[int]:
    return set(
        NotificationSettings.objects.filter(person__in=people, **{flag: False}).values_list(
            "person_id", flat=True
        )
    )


@task()
def send_comment_digest(post_id: int) -> int:
    """Queue one email to each of the post's authors with the comments since the last digest.

    The comments are claimed and the emails queued in one transaction; each email is its own
    task, so an author's digest that meets a mail server outage is retried alone. Returns the
    number of digests queued.
    """
    with transaction.atomic():
        comments = claim_comment_digest(post_id)  # none once the post is deleted
        if not comments:
            return 0
        author_ids = list(
            PostAuthor.objects.filter(post_id=post_id).values_list("person_id", flat=True)
        )
        off = _switched_off(author_ids, "is_comment_digest_on")
        queued = 0
        for author_id in author_ids:
            others = [comment.id for comment in comments if comment.person_id != author_id]
            if author_id in off or not others:
                continue
            send_comment_digest_email.enqueue(post_id, author_id, others)
            queued += 1
    return queued


@task()
def send_comment_digest_email(
    post_id: int, person_id: int, comment_ids: list[int], attempt: int = 0
) -> bool:
    post = Post.objects.select_related("publication").filter(id=post_id).first()
    author = Person.objects.filter(id=person_id).first()
    if post is None or author is None or _switched_off([author], "is_comment_digest_on"):
        return False
    # Comments hidden or deleted while the email waited are left out.
    comments = list(
        Comment.objects.filter(id__in=comment_ids, is_hidden=False, is_deleted=False)
        .select_related("person")
        .order_by("id")
    )
    if not comments:
        return False
    message = build_email(
        "comment_digest",
        author.email,
        {
            "post": post,
            "publication": post.publication,
            "comments": comments,
            "post_url": publication_link(post.publication, "posts:detail", post.slug),
            "settings_url": install_link("engagement:notifications"),
        },
        from_email=publication_sender(post.publication),
    )
    return send_system_mail(
        message,
        task=send_comment_digest_email,
        args=[post_id, person_id, comment_ids],
        attempt=attempt,
    )


@task()
def send_reply_notification(comment_id: int, attempt: int = 0) -> bool:
    reply = (
        Comment.objects.select_related("post__publication", "person", "parent__person")
        .filter(id=comment_id, is_hidden=False, is_deleted=False)
        .first()
    )
    if reply is None or reply.parent is None or reply.parent.person is None:
        return False
    replied_to = reply.parent.person
    if replied_to.pk == reply.person_id or _switched_off([replied_to], "is_reply_email_on"):
        return False
    post = reply.post
    message = build_email(
        "comment_reply",
        replied_to.email,
        {
            "post": post,
            "publication": post.publication,
            "reply": reply,
            "url": publication_link(post.publication, "engagement:comment", post.slug, reply.id),
            "settings_url": install_link("engagement:notifications"),
        },
        from_email=publication_sender(post.publication),
    )
    return send_system_mail(
        message, task=send_reply_notification, args=[comment_id], attempt=attempt
    )
