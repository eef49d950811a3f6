"""Markdown to safe HTML: the one renderer for posts, previews, about pages and comments."""

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable(
    ["table", "strikethrough"]
)

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


def render_preview(text: str, paragraphs: int = 2) -> str:
    """The free part of a post: its first blocks of Markdown, rendered the same way."""
    blocks = [block for block in (text or "").split("\n\n") if block.strip()]
    return render_markdown("\n\n".join(blocks[:paragraphs]))
