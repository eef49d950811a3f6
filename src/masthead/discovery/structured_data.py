"""JSON-LD for search engines: a post as a NewsArticle, a publication's home as a WebSite.

Only what the page shows anyone: a paid post says so (isAccessibleForFree, Google's markup for
paywalled content) and never carries a word of its body.
"""

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from masthead.posts.models import Post
from masthead.posts.queries import is_whole_for_everyone
from masthead.publications.models import Publication
from masthead.publications.social_cards import OgImage

# request.build_absolute_uri: addresses on the page's own origin.
type Absolute = Callable[[str], str]

# The element whose content only some readers get: for them it holds the whole body, for
# everyone else (crawlers included) the preview.
PAID_PART_SELECTOR = ".post__body"

# In a <script>, "</script>" or "<!--" in a title would end or confuse the element: JSON's
# \u escapes say the same characters in a way HTML never reads.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(data: dict) -> SafeString:
    """A <script type="application/ld+json"> holding `data`, safe whatever its strings say."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped above


def organization(publication: Publication, absolute: Absolute) -> dict:
    data = {
        "@type": "Organization",
        "name": publication.name,
        "url": absolute(reverse("posts:home")),
    }
    if publication.logo:
        data["logo"] = {"@type": "ImageObject", "url": absolute(publication.logo.url)}
    return data


def post_canonical_url(post: Post, absolute: Absolute) -> str:
    """A post's one address: /p/<slug>/ on its publication, without any query string."""
    return absolute(reverse("posts:detail", args=[post.slug]))


def person(author, absolute: Absolute) -> dict:
    return {
        "@type": "Person",
        "name": author.name,
        "url": absolute(reverse("notes:person", args=[author.pk])),
    }


def post_data(
    post: Post, publication: Publication, absolute: Absolute, image: OgImage | None
) -> dict:
    """A post as schema.org's NewsArticle; its bylines should be prefetched."""
    url = post_canonical_url(post, absolute)
    published_at = post.published_at or post.created_at
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title,
        "description": post.subtitle or post.title,
        "datePublished": published_at.isoformat(),
        "dateModified": max(post.updated_at, published_at).isoformat(),
        "author": [person(byline.person, absolute) for byline in post.bylines.all()],
        "publisher": organization(publication, absolute),
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
    }
    if image:
        data["image"] = [image.url]
    if post.section_id is not None:
        data["articleSection"] = post.section.name
    if post.tag_labels:
        data["keywords"] = post.tag_labels
    if not is_whole_for_everyone(post):
        data["isAccessibleForFree"] = False
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": PAID_PART_SELECTOR,
        }
    return data


def home_data(publication: Publication, absolute: Absolute) -> dict:
    """The home page: the publication as a WebSite, published by itself as an Organization."""
    home = absolute(reverse("posts:home"))
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": publication.name,
        "description": publication.tagline,
        "url": home,
        "publisher": organization(publication, absolute),
    }
