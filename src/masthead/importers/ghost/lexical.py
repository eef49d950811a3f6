"""Ghost's Lexical documents (Ghost 5 and later) as Masthead Markdown.

A Lexical document is `{"root": {"children": [...]}}`: block nodes (paragraph, heading, quote,
list, ...) holding inline nodes (text with a `format` bitmask, link, linebreak), and cards
whose fields sit on the node itself.
"""

import json

from masthead.importers.ghost.cards import render_card
from masthead.importers.ghost.values import dicts_of, int_of, text_of
from masthead.importers.ghost.writing import (
    MAX_DEPTH,
    ContentError,
    Conversion,
    Run,
    escape_block,
    heading,
    join_blocks,
    list_block,
    quote_block,
    render_runs,
)

# Lexical's text format bits; underline, sub/superscript and highlight have no Markdown form.
_FORMAT_BITS = {1: "bold", 2: "italic", 4: "strike", 16: "code"}
_TEXT_NODES = {"text", "extended-text", "hashtag", "tab", "at-link-search", "zwnj"}
_LINK_NODES = {"link", "autolink", "at-link"}
_PARAGRAPHS = {"paragraph", "extended-paragraph"}
_HEADINGS = {"heading", "extended-heading"}
_QUOTES = {"quote", "extended-quote", "aside"}


def lexical_to_markdown(source: str, conversion: Conversion) -> str:
    try:
        document = json.loads(source)
    except (ValueError, RecursionError) as error:
        raise ContentError(f"its Lexical content is not JSON ({error})") from None
    root = document.get("root") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise ContentError("its Lexical content has no root")
    return join_blocks([_block(node, conversion, 0) for node in dicts_of(root.get("children"))])


def _block(node: dict, conversion: Conversion, depth: int) -> str:
    kind = text_of(node.get("type"))
    if kind in _PARAGRAPHS:
        return render_runs(_runs(node, conversion))
    if kind in _HEADINGS:
        tag = text_of(node.get("tag"))
        level = int_of(tag[1:], 2) if tag[:1] in "hH" and len(tag) == 2 else 2
        return heading(level, _runs(node, conversion))
    if kind in _QUOTES:
        return quote_block(render_runs(_runs(node, conversion)))
    if kind == "list":
        return _list(node, conversion, depth)
    if kind == "listitem":  # outside a list: a paragraph
        return render_runs(_runs(node, conversion))
    if kind in _TEXT_NODES or kind in _LINK_NODES or kind == "linebreak":
        return render_runs(_runs({"children": [node]}, conversion))
    return render_card(kind or "unnamed", node, conversion)


def _list(node: dict, conversion: Conversion, depth: int) -> str:
    if depth > MAX_DEPTH:
        conversion.note("Lists nested too deeply were kept as plain text.")
        return escape_block(_plain_text(node))
    items: list[str] = []
    for item in dicts_of(node.get("children")):
        children = dicts_of(item.get("children"))
        inline = [child for child in children if text_of(child.get("type")) != "list"]
        nested = [
            _list(child, conversion, depth + 1)
            for child in children
            if text_of(child.get("type")) == "list"
        ]
        text = render_runs(_runs({"children": inline}, conversion))
        if not text and nested and items:
            items[-1] = "\n".join([items[-1], *nested])  # Lexical's nested list follows its item
            continue
        items.append("\n".join(part for part in [text, *nested] if part))
    if not items:
        return ""
    is_ordered = text_of(node.get("listType")) == "number" or text_of(node.get("tag")) == "ol"
    return list_block(items, is_ordered=is_ordered, start=int_of(node.get("start"), 1))


def _runs(node: dict, conversion: Conversion) -> list[Run]:
    """The inline content of a block node, flattened into runs (links carry their href)."""
    runs: list[Run] = []
    # (node, the link it sits in); walked with a stack so hostile nesting cannot recurse.
    stack: list[tuple[dict, str | None]] = [
        (child, None) for child in reversed(dicts_of(node.get("children")))
    ]
    while stack:
        child, href = stack.pop()
        kind = text_of(child.get("type"))
        if kind in _TEXT_NODES:
            text = "\t" if kind == "tab" else text_of(child.get("text"))
            runs.append(Run(text, _formats(child.get("format")), href))
        elif kind == "linebreak":
            runs.append(Run(is_break=True))
        elif kind in _LINK_NODES:
            url = conversion.link_url(text_of(child.get("url")))
            inner = href if href is not None else (url or None)
            stack.extend(
                (grandchild, inner) for grandchild in reversed(dicts_of(child.get("children")))
            )
        elif isinstance(child.get("children"), list):
            if kind not in ("listitem", "paragraph", "list"):
                conversion.note(f"Inline “{kind}” content kept as plain text.")
            stack.extend(
                (grandchild, href) for grandchild in reversed(dicts_of(child.get("children")))
            )
        else:
            if kind:
                conversion.note(f"Inline “{kind}” content kept as plain text.")
            text = text_of(child.get("text"))
            if text:
                runs.append(Run(text, frozenset(), href))
    return runs


def _formats(value: object) -> frozenset[str]:
    bits = int_of(value)
    return frozenset(name for bit, name in _FORMAT_BITS.items() if bits & bit)


def _plain_text(node: dict) -> str:
    """All the text under a node, without recursion."""
    words: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        text = text_of(current.get("text"))
        if text:
            words.append(text)
        stack.extend(reversed(dicts_of(current.get("children"))))
    return " ".join(words)
