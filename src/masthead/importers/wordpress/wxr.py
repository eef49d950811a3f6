"""Streaming a WordPress export (WXR) file into plain records, one channel entry at a time.

A WXR file is RSS 2.0 with WordPress's own elements. It can be hundreds of megabytes, so it is
parsed with defusedxml's iterparse (which refuses entity declarations: no billion laughs, no
external entities) and each top-level entry is turned into a small record and dropped from the
tree before the next one is read.
"""

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedElementTree
from defusedxml.common import DefusedXmlException, EntitiesForbidden

from masthead.importers.archives import ExportFiles
from masthead.importers.source import ExportError

# WordPress has written 1.0, 1.1 and 1.2 into the namespace; the excerpt namespace follows it.
WORDPRESS_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.\d+/(excerpt/)?$")
PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
EXPORT_AGAIN = (
    "Export it again from WordPress (Tools → Export → All content) and upload the new file."
)


class NotWxrError(Exception):
    """This XML file is not a WordPress export; the message says why, for a person."""


@dataclass
class Entry:
    """One child of <channel>: an <item>, a <wp:author>, a <wp:category>, the site's <link>..."""

    tag: str  # short name: "item", "wp:author", "link"
    text: str
    fields: dict[str, str] = field(default_factory=dict)  # first text of each child, by short name
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # domain, nicename, name
    meta: list[tuple[str, str]] = field(default_factory=list)  # wp:postmeta key, value
    comment_count: int = 0


def short_name(tag: str) -> str:
    """ "{http://wordpress.org/export/1.2/}post_id" -> "wp:post_id"; unknown namespaces stay."""
    if not tag.startswith("{"):
        return tag
    namespace, _, local = tag[1:].partition("}")
    match = WORDPRESS_NAMESPACE.match(namespace)
    if match:
        return f"{'excerpt' if match.group(1) else 'wp'}:{local}"
    prefix = PREFIXES.get(namespace)
    return f"{prefix}:{local}" if prefix else tag


def is_wordpress_tag(tag: str) -> bool:
    return tag.startswith("{") and bool(WORDPRESS_NAMESPACE.match(tag[1:].partition("}")[0]))


def read_entries(files: ExportFiles, name: str) -> Iterator[Entry]:
    """The channel's entries, in order. Raises NotWxrError before the first entry if the file is
    XML of another kind, and ExportError if it cannot be read."""
    try:
        stream = files.open_binary(name)
    except (
        OSError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as error:
        raise ExportError(f"“{name}” cannot be opened ({error}). {EXPORT_AGAIN}") from None
    with stream:
        yield from _entries(_parse_events(stream, name))


def _entries(events: Iterator[tuple[str, Element]]) -> Iterator[Entry]:
    stack: list[Element] = []
    has_wordpress_tags = False
    for event, element in events:
        if event == "start":
            stack.append(element)
            if len(stack) == 1 and element.tag != "rss":
                raise NotWxrError(
                    f"its first element is <{short_name(element.tag)}>, where a WordPress "
                    "export starts with <rss>"
                )
            has_wordpress_tags = has_wordpress_tags or is_wordpress_tag(element.tag)
            if len(stack) == 3 and element.tag == "item" and not has_wordpress_tags:
                raise NotWxrError("it is an RSS feed without WordPress's export fields")
            continue
        stack.pop()
        depth = len(stack) + 1
        if depth == 3 and stack[-1].tag == "channel":
            yield _entry(element)
        if depth in (2, 3):
            stack[-1].remove(element)  # keep memory flat: nothing read stays in the tree
        elif depth == 1 and not has_wordpress_tags:
            raise NotWxrError("it has none of WordPress's export fields (wp:wxr_version)")


def _entry(element: Element) -> Entry:
    entry = Entry(tag=short_name(element.tag), text=(element.text or "").strip())
    for child in element:
        tag = short_name(child.tag)
        if tag == "category":
            entry.categories.append(
                (child.get("domain", ""), child.get("nicename", ""), (child.text or "").strip())
            )
        elif tag == "wp:postmeta":
            values = {short_name(part.tag): part.text or "" for part in child}
            entry.meta.append((values.get("wp:meta_key", ""), values.get("wp:meta_value", "")))
        elif tag == "wp:comment":
            entry.comment_count += 1
        else:
            entry.fields.setdefault(tag, child.text or "")
    return entry


def _parse_events(stream, name: str) -> Iterator[tuple[str, Element]]:
    """iterparse's events, its errors turned into ExportError (only the parser runs in here)."""
    events = DefusedElementTree.iterparse(stream, events=("start", "end"))
    while True:
        try:
            event = next(events)
        except StopIteration:
            return
        except EntitiesForbidden:
            raise ExportError(
                f"“{name}” contains XML entity declarations, which an import does not read "
                f"(WordPress never writes them). {EXPORT_AGAIN}"
            ) from None
        except DefusedXmlException:
            raise ExportError(
                f"“{name}” refers to external XML definitions, which an import does not read. "
                f"{EXPORT_AGAIN}"
            ) from None
        except ParseError as error:
            line, column = error.position
            problem = re.sub(r": line \d+, column \d+$", "", str(error))
            raise ExportError(
                f"“{name}” is not well-formed XML: {problem} at line {line}, column {column}. "
                "The file may be cut short or edited by hand. "
                f"{EXPORT_AGAIN}"
            ) from None
        except (
            LookupError,
            ValueError,
            OSError,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            RuntimeError,
            NotImplementedError,
        ) as error:
            raise ExportError(f"“{name}” cannot be read ({error}). {EXPORT_AGAIN}") from None
        yield event
