"""What a feed of a publication's posts holds (whole, per section, per author, per private
reader) and how it is written as RSS 2.0, Atom 1.0 or JSON Feed 1.1.

Every item follows the one paywall rule (posts.queries): the whole post, and a podcast's audio,
only when its reader may read it whole; else the preview and a link to read the rest. A feed
costs a fixed number of queries whatever the number of posts.
"""

import hashlib
import html
import json
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import feedgenerator

from masthead.delivery.messages import ROOT_RELATIVE_URL
from masthead.posts.audio import playable_audio_url
from masthead.posts.models import Post, PostAuthor, PostStatus
from masthead.posts.queries import can_read_full_post, is_whole_for_everyone, listed
from masthead.publications.models import Publication, Section

FEED_SIZE = 20
# The largest id a database integer column holds: larger ones name nobody (and SQLite would
# refuse to compare with them).
MAX_ROW_ID = 2**63 - 1
# XML 1.0 cannot carry these, and an imported title or tag may hold one.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
DEFAULT_AUDIO_TYPE = "audio/mpeg"

# Which posts a reader gets whole: the one rule, asked with a post.
WholeRule = Callable[[Post], bool]


class Format:
    RSS = "rss"
    ATOM = "atom"
    JSON = "json"


@dataclass(frozen=True)
class FeedSource:
    """The posts of one feed and what it is called, before the paywall rule is applied."""

    publication: Publication
    title: str
    description: str
    scope: str  # names the feed in its version: "all", "section:<id>", "author:<id>"
    posts: list[Post]


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    title: str
    link: str
    summary: str
    content_html: str
    published_at: object
    updated_at: object
    author_names: list[str]
    categories: list[str]
    image_url: str
    enclosure: feedgenerator.Enclosure | None


def xml_text(text) -> str:
    """Text that XML 1.0 can carry: the characters it forbids left out."""
    return XML_FORBIDDEN.sub("", str(text or ""))


def feed_posts(publication: Publication) -> QuerySet[Post]:
    """Published, listed posts (no pages) newest first, with bylines and section, in two queries."""
    bylines = PostAuthor.objects.select_related("person").order_by("position", "id")
    return (
        listed(Post.objects.filter(publication=publication, status=PostStatus.PUBLISHED))
        .select_related("section")
        .prefetch_related(Prefetch("bylines", queryset=bylines))
        .order_by("-published_at", "-id")
    )


def publication_source(publication: Publication) -> FeedSource:
    description = publication.tagline or f"The latest posts of {publication.name}."
    posts = list(feed_posts(publication)[:FEED_SIZE])
    return FeedSource(publication, publication.name, description, "all", posts)


def section_source(publication: Publication, slug: str) -> FeedSource:
    section = Section.objects.filter(publication=publication, slug=slug).first()
    if section is None:
        raise Http404("No such section.")
    posts = list(feed_posts(publication).filter(section=section)[:FEED_SIZE])
    title = f"{publication.name}: {section.name}"
    description = f"The latest posts in {section.name} of {publication.name}."
    return FeedSource(publication, title, description, f"section:{section.id}", posts)


def author_source(publication: Publication, person_id: int) -> FeedSource:
    """The posts of one author; 404 for anyone with no published post here, so that the feed
    tells nothing about people who do not write for this publication."""
    if person_id > MAX_ROW_ID:
        raise Http404("No such author.")
    posts = list(feed_posts(publication).filter(bylines__person_id=person_id)[:FEED_SIZE])
    if not posts:
        raise Http404("No such author.")
    name = next(b.person.name for b in posts[0].bylines.all() if b.person_id == person_id)
    title = f"{publication.name}: {name}"
    description = f"The latest posts by {name} in {publication.name}."
    return FeedSource(publication, title, description, f"author:{person_id}", posts)


def published_moment(post: Post):
    """When the post was published; an imported row may lack the date, so its creation stands in."""
    return post.published_at or post.created_at


def public_rule(post: Post) -> bool:
    return is_whole_for_everyone(post)


def reader_rule(person) -> WholeRule:
    """can_read_full_post for one reader, asked once per audience: the rule looks at nothing of a
    post but its audience and publication, so a feed costs a fixed number of queries."""
    answers: dict[tuple[str, int], bool] = {}

    def is_whole(post: Post) -> bool:
        key = (post.audience, post.publication_id)
        if key not in answers:
            answers[key] = can_read_full_post(person, post)
        return answers[key]

    return is_whole


def feed_version(source: FeedSource, is_whole: WholeRule, fmt: str, feed_url: str) -> str:
    """A digest of everything the feed shows: changes whenever a reader would see a change."""
    publication = source.publication
    parts = [
        fmt,
        feed_url,
        source.scope,
        source.title,
        source.description,
        publication.name,
        publication.tagline,
        str(publication.logo),
    ]
    for post in source.posts:
        parts.append(
            f"{post.id}|{post.updated_at.isoformat()}|{published_moment(post).isoformat()}"
            f"|{post.audience}|{is_whole(post)}|{post.section_id}"
        )
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def last_change(source: FeedSource):
    """When what the feed shows last changed: its newest post's publishing or editing."""
    moments = [source.publication.created_at]
    for post in source.posts:
        moments += [published_moment(post), post.updated_at]
    return max(moments)


def absolute_links(html_text: str, origin: str) -> str:
    """Root-relative links and images (uploads are /media/...) made absolute on `origin`:
    a feed reader shows the post away from the site."""
    return ROOT_RELATIVE_URL.sub(rf"\g<1>{origin}/", html_text)


def audio_enclosure(post: Post, absolute: Callable[[str], str]) -> feedgenerator.Enclosure | None:
    url = playable_audio_url(post)
    if not url:
        return None
    url = absolute(url)
    mime_type = mimetypes.guess_type(urlsplit(url).path)[0] or ""
    if not mime_type.startswith("audio/"):
        mime_type = DEFAULT_AUDIO_TYPE
    # Length 0: unknown, as the RSS profile allows, rather than fetching the file to measure it.
    return feedgenerator.Enclosure(url, "0", mime_type)


def read_the_rest(link: str, publication: Publication) -> str:
    return (
        f'<p><a href="{html.escape(link)}">Read the rest on {html.escape(publication.name)}</a></p>'
    )


def build_entries(source: FeedSource, is_whole: WholeRule, absolute) -> list[FeedEntry]:
    """The feed's items: whole posts and their audio for readers the rule lets read them, the
    preview and a link for everyone else."""
    origin = absolute("/").rstrip("/")
    home = absolute(reverse("posts:home"))
    home_parts = urlsplit(home)
    entries = []
    for post in source.posts:
        link = absolute(reverse("posts:detail", args=[post.slug]))
        whole = is_whole(post)
        if whole:
            content = post.body_html
        else:
            content = post.preview_html + read_the_rest(link, source.publication)
        categories = list(post.tag_labels)
        if post.section is not None:
            categories.append(post.section.name)
        entries.append(
            FeedEntry(
                guid=(
                    f"tag:{home_parts.hostname},{post.created_at:%Y-%m-%d}:"
                    f"{home_parts.path}post/{post.id}"
                ),
                title=xml_text(post.title),
                link=link,
                summary=xml_text(post.subtitle),
                content_html=xml_text(absolute_links(content, origin)),
                published_at=published_moment(post),
                updated_at=max(post.updated_at, published_moment(post)),
                author_names=[xml_text(byline.person.name) for byline in post.bylines.all()],
                categories=[xml_text(label) for label in categories],
                image_url=absolute(post.cover_image.url) if post.cover_image else "",
                enclosure=audio_enclosure(post, absolute) if whole else None,
            )
        )
    return entries


@dataclass(frozen=True)
class FeedDocument:
    publication_name: str
    title: str
    description: str
    home_url: str
    feed_url: str
    icon_url: str
    entries: list[FeedEntry]


def build_document(source: FeedSource, is_whole: WholeRule, absolute, feed_url: str):
    publication = source.publication
    return FeedDocument(
        publication_name=xml_text(publication.name),
        title=xml_text(source.title),
        description=xml_text(source.description),
        home_url=absolute(reverse("posts:home")),
        feed_url=feed_url,
        icon_url=absolute(publication.logo.url) if publication.logo else "",
        entries=build_entries(source, is_whole, absolute),
    )


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class RssWithContent(feedgenerator.Rss201rev2Feed):
    """RSS 2.0 with the post itself in content:encoded, as feed readers expect."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


class AtomWithContent(feedgenerator.Atom1Feed):
    """Atom 1.0 with the post itself in <content type="html">."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


def render_xml(document: FeedDocument, fmt: str) -> tuple[bytes, str]:
    feed_class = AtomWithContent if fmt == Format.ATOM else RssWithContent
    feed = feed_class(
        title=document.title,
        link=document.home_url,
        description=document.description,
        feed_url=document.feed_url,
        language=settings.LANGUAGE_CODE,
        feed_guid=document.feed_url,
        author_name=document.publication_name if fmt == Format.ATOM else None,
        subtitle=document.description,
    )
    for entry in document.entries:
        feed.add_item(
            title=entry.title,
            link=entry.link,
            description=entry.summary or None,
            author_name=join_names(entry.author_names) or None,
            pubdate=entry.published_at,
            updateddate=entry.updated_at,
            unique_id=entry.guid,
            unique_id_is_permalink=False,
            categories=entry.categories,
            enclosures=[entry.enclosure] if entry.enclosure else None,
            content_html=entry.content_html,
        )
    return feed.writeString("utf-8").encode("utf-8"), feed.content_type


def render_json(document: FeedDocument) -> tuple[bytes, str]:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items = []
    for entry in document.entries:
        item = {
            "id": entry.guid,
            "url": entry.link,
            "title": entry.title,
            "content_html": entry.content_html,
            "date_published": entry.published_at.isoformat(),
            "date_modified": entry.updated_at.isoformat(),
            "authors": [{"name": name} for name in entry.author_names],
            "tags": entry.categories,
        }
        if entry.summary:
            item["summary"] = entry.summary
        if entry.image_url:
            item["image"] = entry.image_url
        if entry.enclosure:
            item["attachments"] = [
                {"url": entry.enclosure.url, "mime_type": entry.enclosure.mime_type}
            ]
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": document.title,
        "home_page_url": document.home_url,
        "feed_url": document.feed_url,
        "description": document.description,
        "language": settings.LANGUAGE_CODE,
        "items": items,
    }
    if document.icon_url:
        feed["icon"] = document.icon_url
    body = json.dumps(feed, ensure_ascii=False, indent=1).encode("utf-8", "replace")
    return body, "application/feed+json; charset=utf-8"


def render(document: FeedDocument, fmt: str) -> tuple[bytes, str]:
    """The feed's bytes and content type in the format asked for."""
    if fmt == Format.JSON:
        return render_json(document)
    return render_xml(document, fmt)
