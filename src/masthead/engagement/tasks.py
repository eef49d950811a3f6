"""Comment emails: one digest per post to its authors, and a note to the person replied to."""

from django.tasks import task

from masthead.core.mail import build_email, publication_sender
from masthead.engagement.models import Comment, NotificationSettings
from masthead.engagement.services import claim_comment_digest
from masthead.posts.models import Post
from masthead.publications.links import install_link, publication_link


def _switched_off(people, flag: str) -> set[int]:
    return set(
        NotificationSettings.objects.filter(person__in=people, **{flag: False}).values_list(
            "person_id", flat=True
        )
    )


@task()
def send_comment_digest(post_id: int) -> int:
    """Email the post's authors every comment since the last digest; returns emails sent."""
    post = Post.objects.select_related("publication").filter(id=post_id).first()
    if post is None:
        return 0
    comments = claim_comment_digest(post_id)
    if not comments:
        return 0
    authors = [byline.person for byline in post.bylines.select_related("person")]
    off = _switched_off(authors, "is_comment_digest_on")
    post_url = publication_link(post.publication, "posts:detail", post.slug)
    sent = 0
    for author in authors:
        if author.pk in off:
            continue
        others = [comment for comment in comments if comment.person_id != author.pk]
        if not others:
            continue
        build_email(
            "comment_digest",
            author.email,
            {
                "post": post,
                "publication": post.publication,
                "comments": others,
                "post_url": post_url,
                "settings_url": install_link("engagement:notifications"),
            },
            from_email=publication_sender(post.publication),
        ).send()
        sent += 1
    return sent


@task()
def send_reply_notification(comment_id: int) -> bool:
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
    build_email(
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
    ).send()
    return True
