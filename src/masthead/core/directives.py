"""The writers' block directives in Markdown: `::: pullquote` containers, and `::button[…]{…}` and
`::embed{…}` lines, parsed into markdown-it tokens and rendered (docs/writing-format.md).

A directive is a line of its own: two colons, a name, an optional [label], optional {attributes}
of the form name="value" (a value escapes `"` and `\\` with a backslash). A line that does not
parse is an ordinary paragraph. Each directive is one block token, so at the top level it is one
whole block for the paywall cut (posts.paywall) and is never split by it.

Subscribe and share buttons need the publication and the post, which the renderer does not have:
it writes SUBSCRIBE_HREF and SHARE_HREF, and resolve_button_links puts in the real addresses
where the post is rendered (posts.services.render_post_body).
"""

import re
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from masthead.core.embeds import render_embed, safe_url

SUBSCRIBE_HREF = "#masthead-subscribe"
SHARE_HREF = "#masthead-share"
DEFAULT_LABELS = {"subscribe": "Subscribe", "share": "Share"}
MAX_DIRECTIVE_LENGTH = 4096

DIRECTIVE = re.compile(
    r"::(?P<name>button|embed)"
    r"(?:\[(?P<label>(?:\\.|[^\]\\])*)\])?"
    r'(?:\{(?P<attributes>(?:[^}"]|"(?:\\.|[^"\\])*")*)\})?'
    r"[ \t]*"
)
ATTRIBUTE = re.compile(r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)="((?:\\.|[^"\\])*)"[ \t]*')
MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
VALUE_ESCAPE = re.compile(r"\\(.)")
_MAILTO = re.compile(r"mailto:[^\x00-\x20\x7f\\<>\"']{1,500}", re.IGNORECASE)


def parse_attributes(text: str) -> dict[str, str] | None:
    """`a="1" b="x \\" y"` as a dict (the first of a repeated name wins); None if it does not
    parse."""
    attributes: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = ATTRIBUTE.match(text, position)
        if match is None or match.end() == position:
            return None
        attributes.setdefault(match.group(1), VALUE_ESCAPE.sub(r"\1", match.group(2)))
        position = match.end()
    return attributes


def parse_directive(line: str) -> tuple[str, str, dict[str, str]] | None:
    """A directive line's name, label (backslash escapes read) and attributes, or None."""
    if len(line) > MAX_DIRECTIVE_LENGTH:
        return None
    match = DIRECTIVE.fullmatch(line)
    if match is None:
        return None
    attributes = parse_attributes(match.group("attributes") or "")
    if attributes is None:
        return None
    label = MARKDOWN_ESCAPE.sub(r"\1", match.group("label") or "")
    return match.group("name"), label, attributes


def _directive_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False  # an indented code block
    start = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[start : state.eMarks[start_line]]
    if not line.startswith("::") or line.startswith(":::"):
        return False
    parsed = parse_directive(line)
    if parsed is None:
        return False
    if silent:
        return True
    name, label, attributes = parsed
    token = state.push("directive", "", 0)
    token.block = True
    token.info = name
    token.content = label
    token.meta = {"attributes": attributes}
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


def button_href(attributes: dict[str, str]) -> str | None:
    """Where a button leads: the subscribe or share placeholder, or its own http(s) or mailto
    address; None when it has no usable one (the button is then its label as text)."""
    kind = attributes.get("kind", "")
    if kind == "subscribe":
        return SUBSCRIBE_HREF
    if kind == "share":
        return SHARE_HREF
    href = attributes.get("href", "").strip()
    if _MAILTO.fullmatch(href):
        return href
    return safe_url(href)


def render_button(label: str, attributes: dict[str, str]) -> str:
    href = button_href(attributes)
    text = label.strip() or DEFAULT_LABELS.get(attributes.get("kind", ""), "")
    if href is None:
        return f"<p>{escapeHtml(text)}</p>\n" if text else ""
    text = text or href
    return (
        f'<p class="button-row"><a class="button" href="{escapeHtml(href)}">'
        f"{escapeHtml(text)}</a></p>\n"
    )


def _render_directive(renderer, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    attributes = token.meta["attributes"]
    if token.info == "button":
        return render_button(token.content, attributes)
    return render_embed(attributes.get("url", ""), attributes.get("caption", ""))


def _is_pullquote(params: str, *args) -> bool:
    return params.strip() == "pullquote"


def _render_pullquote(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return '<blockquote class="pullquote">\n' if tokens[idx].nesting == 1 else "</blockquote>\n"


def directives_plugin(markdown: MarkdownIt) -> None:
    """Add the pull quote container and the button and embed lines to a MarkdownIt."""
    container_plugin(markdown, "pullquote", validate=_is_pullquote, render=_render_pullquote)
    markdown.block.ruler.before(
        "fence",
        "directive",
        _directive_rule,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    markdown.add_render_rule("directive", _render_directive)


def share_href(post_url: str, title: str) -> str:
    """A share that works without script: an email to a friend with the post's title and link."""
    return f"mailto:?subject={quote(title)}&body={quote(post_url, safe='')}"


def resolve_button_links(html: str, *, subscribe_url: str, share_url: str) -> str:
    """Sanitized HTML with its subscribe and share buttons leading to these addresses."""
    return html.replace(f'href="{SUBSCRIBE_HREF}"', f'href="{escapeHtml(subscribe_url)}"').replace(
        f'href="{SHARE_HREF}"', f'href="{escapeHtml(share_url)}"'
    )
