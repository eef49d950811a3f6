"""The bodies of automation emails and of the weekly digest, rendered once per send with the
newsletter's placeholders (unsubscribe link, tracking token) and its email frame and styles."""

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string

from masthead.core.rendering import render_markdown
from masthead.core.time_zones import in_time_zone_of
from masthead.delivery.email_html import accent_color, fit_body_html, inline_css, readable_accent
from masthead.delivery.email_text import html_to_text, plain_words
from masthead.delivery.messages import (
    PREHEADER_CHARACTERS,
    PREHEADER_FILLER,
    RECIPIENT,
    UNSUBSCRIBE_URL,
    RenderedBodies,
    absolutize_urls,
)
from masthead.posts.queries import is_whole_for_every_subscriber
from masthead.publications.links import publication_link, publication_root

EXCERPT_CHARACTERS = 280


def email_body_html(body_markdown: str) -> str:
    """The writer's Markdown through the one writer renderer (sanitized)."""
    return render_markdown(body_markdown)


def _frame(publication) -> dict:
    return {
        "publication": publication,
        "publication_url": publication_root(publication) + "/",
        "accent": accent_color(publication.accent_color),
        "link_accent": readable_accent(publication.accent_color),
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "recipient": RECIPIENT,
        "preheader_filler": range(PREHEADER_FILLER),
    }


def _shorten(words: str, limit: int) -> str:
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0] + "…"


def render_automation_email(email) -> RenderedBodies:
    """An automation email as sent: its subject, preview text and Markdown body in the frame."""
    publication = email.publication
    with in_time_zone_of(publication):
        body_html = absolutize_urls(
            fit_body_html(email.body_html or email_body_html(email.body_markdown)), publication
        )
        context = {
            **_frame(publication),
            "email": email,
            "subject": email.subject,
            "body_html": body_html,
            "body_text": html_to_text(body_html),
            "preheader": email.preview_text
            or _shorten(plain_words(body_html), PREHEADER_CHARACTERS),
        }
        return RenderedBodies(
            subject=" ".join(render_to_string("email/automation/subject.txt", context).split()),
            html=inline_css(render_to_string("email/automation/body.html", context)),
            text=render_to_string("email/automation/body.txt", context),
        )


@dataclass(frozen=True)
class DigestItem:
    title: str
    subtitle: str
    url: str
    excerpt: str
    published_at: dt.datetime
    is_paid: bool


def digest_item(post) -> DigestItem:
    """A post as the digest lists it. A post not whole for every subscriber (a paid one) gives
    its excerpt from its preview, the part every reader may see; never from its full body."""
    is_paid = not is_whole_for_every_subscriber(post)
    source = post.preview_html if is_paid else post.body_html
    return DigestItem(
        title=post.title,
        subtitle=post.subtitle,
        url=publication_link(post.publication, "posts:detail", post.slug),
        excerpt=_shorten(plain_words(source), EXCERPT_CHARACTERS),
        published_at=post.published_at,
        is_paid=is_paid,
    )


def render_digest(publication, posts, period_end: dt.datetime) -> RenderedBodies:
    """The week's digest listing `posts` (posts.queries' listed, published posts)."""
    with in_time_zone_of(publication):
        items = [digest_item(post) for post in posts]
        subject = f"This week in {publication.name}"
        context = {
            **_frame(publication),
            "subject": subject,
            "items": items,
            "period_end": period_end,
            "preheader": _shorten(" · ".join(item.title for item in items), PREHEADER_CHARACTERS),
        }
        return RenderedBodies(
            subject=" ".join(
                render_to_string("email/automation_digest/subject.txt", context).split()
            ),
            html=inline_css(render_to_string("email/automation_digest/body.html", context)),
            text=render_to_string("email/automation_digest/body.txt", context),
        )
