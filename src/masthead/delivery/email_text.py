"""The plain-text part of an email, built from the post's HTML structure (not by stripping tags):
paragraphs and headings as blocks, numbered lists keep their numbers, quotes are marked "> ",
code keeps its lines, links read "text (url)" and images "[alt] (url)"."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID_TAGS = {"br", "hr", "img"}
BLOCK_TAGS = {
    "blockquote", "div", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "table", "ul",
}  # fmt: skip
SKIPPED_TAGS = {"script", "style", "head", "title"}
SPACES = re.compile(r"[ \t\r\n\f]+")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Element | str"] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the (sanitized) HTML: an end tag closes up to its open element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID_TAGS:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html or "")
    builder.close()
    return builder.root


def html_to_text(html: str) -> str:
    """A readable plain-text rendering of an HTML fragment, blocks separated by a blank line."""
    return "\n\n".join(_blocks(parse_html(html))).strip()


def plain_words(html: str) -> str:
    """The fragment's text on one line: for a preheader or a summary."""
    return " ".join(html_to_text(html).split())


def _blocks(container: Element) -> list[str]:
    """The container's children as blocks; loose text between blocks makes a paragraph."""
    blocks: list[str] = []
    inline: list[Element | str] = []

    def flush() -> None:
        text = _inline_text(Element("p", children=list(inline)))
        inline.clear()
        if text:
            blocks.append(text)

    for child in container.children:
        if isinstance(child, Element) and child.tag in BLOCK_TAGS:
            flush()
            text = _block(child)
            if text:
                blocks.append(text)
        elif not (isinstance(child, Element) and child.tag in SKIPPED_TAGS):
            inline.append(child)
    flush()
    return blocks


def _block(element: Element) -> str:
    tag = element.tag
    if tag == "pre":
        return _raw_text(element).strip("\n")
    if tag == "hr":
        return "* * *"
    if tag in ("h1", "h2"):
        text = _inline_text(element)
        return f"{text}\n{('=' if tag == 'h1' else '-') * min(len(text), 60)}" if text else ""
    if tag in ("ul", "ol"):
        return _list(element)
    if tag == "blockquote":
        inner = "\n\n".join(_blocks(element))
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    if tag == "table":
        return _table(element)
    if tag in ("div", "figure", "li"):
        return "\n\n".join(_blocks(element))
    return _inline_text(element)


def _list(element: Element) -> str:
    is_numbered = element.tag == "ol"
    start = element.attrs.get("start", "1")
    number = int(start) if start.lstrip("-").isdigit() else 1
    items = []
    for child in element.children:
        if not (isinstance(child, Element) and child.tag == "li"):
            continue
        marker = f"{number}." if is_numbered else "-"
        number += 1
        lines = "\n".join(_blocks(child)).split("\n")
        indent = " " * (len(marker) + 1)
        rest = [f"{indent}{line}" if line else "" for line in lines[1:]]
        items.append("\n".join([f"{marker} {lines[0]}", *rest]))
    return "\n".join(items)


def _table(element: Element) -> str:
    rows = []
    for row in _descendants(element, "tr"):
        cells = [
            _inline_text(cell)
            for cell in row.children
            if isinstance(cell, Element) and cell.tag in ("td", "th")
        ]
        rows.append(" | ".join(cells))
    return "\n".join(rows)


def _descendants(element: Element, tag: str) -> list[Element]:
    found = []
    for child in element.children:
        if isinstance(child, Element):
            if child.tag == tag:
                found.append(child)
            else:
                found.extend(_descendants(child, tag))
    return found


def _inline_text(element: Element) -> str:
    """Inline content with its whitespace collapsed as a browser would; <br> breaks the line."""
    text = _inline(element)
    lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def _inline(element: Element) -> str:
    parts = []
    for child in element.children:
        if isinstance(child, str):
            parts.append(child.replace("\n", " "))
        elif child.tag == "br":
            parts.append("\n")
        elif child.tag == "img":
            parts.append(_image(child))
        elif child.tag == "a":
            parts.append(_link(child))
        elif child.tag in BLOCK_TAGS:
            parts.append(" " + _block(child).replace("\n", " ") + " ")
        elif child.tag not in SKIPPED_TAGS:
            parts.append(_inline(child))
    return "".join(parts)


def _link(element: Element) -> str:
    text = SPACES.sub(" ", _inline(element)).strip()
    url = element.attrs.get("href", "").strip()
    if not url or url.startswith("#"):
        return text
    if not text or text in (url, url.removeprefix("mailto:")):
        return url
    return f"{text} ({url})"


def _image(element: Element) -> str:
    alt = SPACES.sub(" ", element.attrs.get("alt", "")).strip()
    src = element.attrs.get("src", "").strip()
    label = f"[{alt}]" if alt else "[Image]"
    return f"{label} ({src})" if src else label


def _raw_text(element: Element) -> str:
    return "".join(
        child if isinstance(child, str) else "\n" if child.tag == "br" else _raw_text(child)
        for child in element.children
    )
