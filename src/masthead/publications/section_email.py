"""What a section changes in its posts' email: whether they are emailed at all, and the name
in the From header (fan-out and publishing ask; the desk and the readers' choices are in
publications.sections)."""

from masthead.core.mail import publication_sender
from masthead.posts.models import Post


def emails_posts(post: Post) -> bool:
    """Whether the post's newsletter may be sent: no section, or a section that sends email."""
    section = post.section if post.section_id else None
    return section is None or section.sends_email


def sender_name_for(post: Post) -> str | None:
    """The name in the From header of the post's newsletter when its section has its own, else
    None (the publication's name)."""
    section = post.section if post.section_id else None
    if section is None or not section.sender_name.strip():
        return None
    return section.sender_name


def sender_for(post: Post) -> str:
    """The post's newsletter's From header: core.mail.publication_sender's, with the section's
    name when it has one."""
    return publication_sender(post.publication, sender_name_for(post) or "")
