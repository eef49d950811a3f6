"""Markdown to safe HTML, for writers (posts, previews, about pages) and readers (comments, notes).

Writers' Markdown also has captioned images and galleries, footnotes, TeX math, pull quotes,
buttons and embeds (see "Writers' extensions" below; docs/writing-format.md has the whole
format). Readers' images are limited to this install's uploads (render_reader_markdown).
"""

import re
from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from masthead.core.directives import directives_plugin
from masthead.core.embeds import (
    FRAME_ALLOW,
    FRAME_REFERRER_POLICY,
    FRAME_SANDBOX,
    is_frame_source,
    safe_url,
)


def _new_markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable(
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


# Writers' extensions ---------------------------------------------------------------------------
# - A paragraph holding only an image with a title, ![alt](src "caption"), is a <figure> whose
#   <figcaption> is the title read as inline Markdown (so imported captions keep their emphasis
#   and links). A paragraph of two or more images (a gallery) is a <figure class="gallery">;
#   the title of its last image captions the whole gallery.
# - Footnotes: [^1] in the text, [^1]: text anywhere; listed at the end of the post.
# - TeX math: $x$ and $$...$$ (on their own lines) stay TeX source, escaped, in
#   <span class="math"> and <div class="math">; no script typesets them. Pandoc's rules keep
#   prices plain text: "$5 and $10" is no formula (no space inside the dollars, no digit after
#   the closing one).
# - Pull quotes, buttons and embeds: `::: pullquote` … `:::`, `::button[Label]{kind="subscribe"}`,
#   `::embed{url="…"}` (core.directives, core.embeds). Frames only for the embed hosts, with
#   the attributes core.embeds gives them, checked again here whatever produced the HTML.

FIGURE_CLASSES = {"gallery"}
FOOTNOTE_ID = re.compile(r"footnote-(?:ref-)?[0-9]+(?:-[0-9]+)?")


def _mark_figures(state) -> None:
    """Core rule: a paragraph of images only becomes a figure (see "Writers' extensions")."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.hidden or index + 2 >= len(tokens):
            continue
        children = tokens[index + 1].children or []
        images = [child for child in children if child.type == "image"]
        if not images or any(not _fits_in_figure(child) for child in children):
            continue
        last = images[-1]
        caption = str(last.attrGet("title") or "")
        if len(images) == 1 and not caption:
            continue  # a lone image without a caption stays a paragraph, as it always was
        token.tag = tokens[index + 2].tag = "figure"
        if len(images) > 1:
            token.attrSet("class", "gallery")
        if caption:
            last.meta["caption"] = caption
            last.attrs.pop("title", None)


def _fits_in_figure(token: Token) -> bool:
    if token.type == "text":
        return not token.content.strip()
    return token.type in ("image", "softbreak")


def _render_figure_image(renderer, tokens: list[Token], idx: int, options, env) -> str:
    html = renderer.image(tokens, idx, options, env)
    caption = tokens[idx].meta.get("caption")
    if caption:
        html += f"<figcaption>{_markdown.renderInline(caption)}</figcaption>"
    return html


def _place_footnotes(state) -> None:
    """Core rule after footnote_tail: give the footnote section it appends the nesting levels it
    leaves at 0, so the section is one top-level block for code that cuts posts into blocks
    (the paywall preview), not one block per token."""
    start = next((i for i, t in enumerate(state.tokens) if t.type == "footnote_block_open"), None)
    if start is None:
        return
    level = 0
    for token in state.tokens[start:]:
        if token.nesting == -1:
            level -= 1
        token.level = level
        if token.nesting == 1:
            level += 1


def _footnote_number(token: Token) -> str:
    return str(token.meta["id"] + 1)


def _footnote_ref_id(token: Token) -> str:
    # Ids are made of numbers only, never of the writer's labels, so no label can take the id
    # of an element on the page (or clobber a global name in a script).
    sub_id = token.meta.get("subId", 0)
    suffix = f"-{sub_id}" if sub_id > 0 else ""
    return f"footnote-ref-{_footnote_number(token)}{suffix}"


def _render_footnote_ref(renderer, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    number = _footnote_number(token)
    return (
        f'<sup class="footnote-ref"><a href="#footnote-{number}" id="{_footnote_ref_id(token)}">'
        f"{number}</a></sup>"
    )


def _render_footnote_block_open(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return '<hr class="footnotes-sep">\n<section class="footnotes">\n<ol class="footnotes-list">\n'


def _render_footnote_open(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return f'<li id="footnote-{_footnote_number(tokens[idx])}" class="footnote-item">'


def _render_footnote_anchor(renderer, tokens: list[Token], idx: int, options, env) -> str:
    # U+FE0E: the arrow as text, not as an emoji on iOS.
    return (
        f' <a href="#{_footnote_ref_id(tokens[idx])}" class="footnote-backref"'
        ' aria-label="Back to the text">\u21a9\ufe0e</a>'
    )


def _render_math_inline(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return f'<span class="math">{escapeHtml(tokens[idx].content.strip())}</span>'


def _render_math_block(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return f'<div class="math">{escapeHtml(tokens[idx].content.strip())}</div>\n'


def _new_writer_markdown() -> MarkdownIt:
    markdown = _new_markdown()
    markdown.use(footnote_plugin, inline=False)
    markdown.use(
        dollarmath_plugin,
        allow_labels=False,  # a label would become an element id chosen by the text
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
    )
    markdown.use(directives_plugin)
    markdown.core.ruler.after("footnote_tail", "place_footnotes", _place_footnotes)
    markdown.core.ruler.push("mark_figures", _mark_figures)
    markdown.add_render_rule("image", _render_figure_image)
    markdown.add_render_rule("footnote_ref", _render_footnote_ref)
    markdown.add_render_rule("footnote_block_open", _render_footnote_block_open)
    markdown.add_render_rule("footnote_open", _render_footnote_open)
    markdown.add_render_rule("footnote_anchor", _render_footnote_anchor)
    markdown.add_render_rule("math_inline", _render_math_inline)
    markdown.add_render_rule("math_block", _render_math_block)
    return markdown


_markdown = _new_writer_markdown()

WRITER_TAGS = ALLOWED_TAGS | {"section", "span", "div", "iframe", "audio"}
WRITER_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "a": ALLOWED_ATTRIBUTES["a"] | {"id", "aria-label"},
    "li": {"id"},
    "iframe": {"src", "title"},
    "audio": {"src"},
}
# Classes only from the extensions above; nothing else a writer types can add one.
WRITER_CLASSES = {
    "figure": FIGURE_CLASSES
    | {"embed", "embed-video", "embed-audio", "embed-spotify", "embed-soundcloud", "embed-tall"},
    "span": {"math", "embed-card-host", "embed-card-caption", "embed-card-url"},
    "div": {"math"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
    "ol": {"footnotes-list"},
    "li": {"footnote-item"},
    "sup": {"footnote-ref"},
    "a": {"footnote-backref", "button", "embed-card", "embed-link"},
    "p": {"button-row", "embed-card-row"},
    "blockquote": {"pullquote"},
}
# Every frame and audio element gets exactly the attributes core.embeds writes, whatever
# reached the sanitizer: a frame is always sandboxed, audio never plays by itself.
FORCED_ATTRIBUTES = {
    "iframe": {
        "sandbox": FRAME_SANDBOX,
        "allow": FRAME_ALLOW,
        "loading": "lazy",
        "referrerpolicy": FRAME_REFERRER_POLICY,
    },
    "audio": {"controls": "", "preload": "none"},
}


# The cleaner drops a src that is not a player's (core.embeds) but keeps its element: an empty
# frame is nothing to show.
FRAME_WITHOUT_SOURCE = re.compile(r'<iframe(?![^>]*\ssrc=")[^>]*>.*?</iframe>', re.S)


def _filter_writer_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not FOOTNOTE_ID.fullmatch(value):
        return None
    if element == "iframe" and attribute == "src":
        return value if is_frame_source(value) else None
    if element == "audio" and attribute == "src":
        return value if safe_url(value) else None
    return value


_writer_cleaner = nh3.Cleaner(
    tags=WRITER_TAGS,
    attributes=WRITER_ATTRIBUTES,
    attribute_filter=_filter_writer_attribute,
    set_tag_attribute_values=FORCED_ATTRIBUTES,
    allowed_classes=WRITER_CLASSES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
)


def sanitize_writer_html(html: str) -> str:
    """sanitize_html, plus what the writers' extensions emit (figures, footnotes, math, pull
    quotes, buttons, embeds)."""
    return FRAME_WITHOUT_SOURCE.sub("", _writer_cleaner.clean(html))


def parse_markdown(text: str) -> list[Token]:
    """The block tokens of a Markdown text, for code that cuts or inspects its structure."""
    return _markdown.parse(text or "")


def render_markdown_tokens(tokens: list[Token]) -> str:
    """Tokens from parse_markdown (or a slice of whole blocks of them), rendered and sanitized."""
    return sanitize_writer_html(_markdown.renderer.render(tokens, _markdown.options, {}))


def render_markdown(text: str) -> str:
    """Render a writer's Markdown (raw HTML disabled, with the extensions above) and sanitize."""
    return sanitize_writer_html(_markdown.render(text or ""))


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
