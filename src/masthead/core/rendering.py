"""Markdown to safe HTML, for writers (posts, previews, about pages) and readers (comments, notes).

Readers' images are limited to this install's uploads (render_reader_markdown).
"""

import re
from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token


def _new_markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable(
        ["table", "strikethrough"]
    )


_markdown = _new_markdown()

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    "code": {"class"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def parse_markdown(text: str) -> list[Token]:
    """The block tokens of a Markdown text, for code that cuts or inspects its structure."""
    return _markdown.parse(text or "")


def render_markdown_tokens(tokens: list[Token]) -> str:
    """Tokens from parse_markdown (or a slice of whole blocks of them), rendered and sanitized."""
    return sanitize_html(_markdown.renderer.render(tokens, _markdown.options, {}))


def render_markdown(text: str) -> str:
    """Render Markdown (raw HTML disabled) and sanitize the result."""
    return sanitize_html(_markdown.render(text or ""))


# Readers' content ------------------------------------------------------------------------------
# A remote image in a comment or note would load from someone else's server for every visitor
# (a tracking pixel: it tells that server who read the page, and when). Only this install's
# uploads show as images there; any other image becomes a link to it.

# What a browser drops from a URL (tabs, newlines) or reads as a path separator (backslash)
# could turn an address that looks like ours into another one.
_UNSAFE_URL_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


def is_own_upload(url: str) -> bool:
    """Whether an image address is under this install's MEDIA_URL (relative, or on BASE_URL)."""
    if not url or _UNSAFE_URL_CHARACTERS.search(url):
        return False
    prefixes = [settings.MEDIA_URL]
    if settings.MEDIA_URL.startswith("/"):
        prefixes.append(settings.BASE_URL + settings.MEDIA_URL)
    if not any(url.startswith(prefix) for prefix in prefixes if prefix not in ("", "/")):
        return False
    if url.startswith("//") or urlsplit(url).path.startswith("//"):
        return False  # protocol-relative: another host
    # "..", also spelt %2e%2e, would climb out of the uploads to any page of the site.
    return not any(segment in (".", "..") for segment in unquote(urlsplit(url).path).split("/"))


def _render_reader_image(renderer, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if is_own_upload(src):
        return renderer.image(tokens, idx, options, env)
    text = escapeHtml(renderer.renderInlineAsText(token.children or [], options, env) or src)
    opened = sum(t.type == "link_open" for t in tokens[:idx])
    closed = sum(t.type == "link_close" for t in tokens[:idx])
    if opened > closed:
        return text  # already inside a link: a link in a link is not HTML
    return f'<a href="{escapeHtml(src)}" rel="nofollow noopener noreferrer">{text}</a>'


_reader_markdown = _new_markdown()
_reader_markdown.add_render_rule("image", _render_reader_image)


def _drop_foreign_image_source(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and not is_own_upload(value):
        return None
    return value


def sanitize_reader_html(html: str) -> str:
    """sanitize_html, and no <img> keeps a source other than our uploads, whatever made it."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_drop_foreign_image_source,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_reader_markdown(text: str) -> str:
    """Render a reader's Markdown (comments, notes): remote images become links to them."""
    return sanitize_reader_html(_reader_markdown.render(text or ""))
