"""WordPress post content (shortcodes, wpautop text or Gutenberg blocks) as plain HTML.

WordPress stores a post's content as it was typed: classic posts have no <p> tags (wpautop adds
them when the page is shown), and shortcodes ([caption], [gallery], [embed]...) are expanded
only then. This module does both, so that html_to_markdown gets the HTML a reader saw.
"""

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from masthead.importers.markup import parse_html

# WordPress's wpautop list of block elements: no <p> is wrapped around them.
BLOCKS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|"
    "area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|"
    "hgroup|header|footer|nav|figure|figcaption|details|menu|summary"
)
BLOCK_OPEN = re.compile(rf"(<(?:{BLOCKS})[\s/>])", re.IGNORECASE)
BLOCK_CLOSE = re.compile(rf"(</(?:{BLOCKS})>)", re.IGNORECASE)
STARTS_WITH_BLOCK = re.compile(rf"^</?(?:{BLOCKS})[\s/>]", re.IGNORECASE)
# Elements whose text must stay exactly as written: no <p>, no <br>, no shortcodes. Bounded
# patterns, searched by hand below: hostile content must not make the regex engine backtrack.
VERBATIM_OPENING = re.compile(r"<(pre|script|style|textarea|code)\b[^<>]{0,4000}>", re.IGNORECASE)
VERBATIM_BLOCKS = {"pre", "script", "style", "textarea"}  # <code> stays inline
# Placeholders for what was set aside: U+E000 (inline) or U+E002 (block), a number, U+E001.
PLACEHOLDER = re.compile("[\ue000\ue002](\\d+)\ue001")
BLOCK_PLACEHOLDER = re.compile("^\ue002\\d+\ue001$")
PLACEHOLDER_CHARACTERS = re.compile("[\ue000-\ue002]")
# Gutenberg's block delimiters, <!--more-->, <!--nextpage--> and every other comment: none of
# them is content (WordPress has no paywall, so a comment never becomes Masthead's marker).
COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
BARE_URL_LINE = re.compile(r"^([ \t]*)(https?://[^\s<>\"'\[\]]+)([ \t]*)$", re.MULTILINE)
# A shortcode tag: [name attrs], [name attrs /] or [/name]. Which opening tag encloses content
# (up to the first [/name] after it, as WordPress reads it) is worked out in _ShortcodeExpander.
SHORTCODE_TAG = re.compile(r"\[(/?)([A-Za-z][\w-]*)(?![\w-])([^\[\]]{0,4000})\]")
MAX_SHORTCODE_NESTING = 10
SHORTCODE_ATTRIBUTE = re.compile(
    r"([\w-]+)\s*=\s*\"([^\"]*)\"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'\"]+)"
    r"|\"([^\"]*)\"|'([^']*)'|(\S+)"
)
AUDIO_ATTRIBUTES = ("src", "mp3", "m4a", "ogg", "wav", "wma", "flac")
VIDEO_ATTRIBUTES = ("src", "mp4", "m4v", "webm", "ogv", "wmv", "flv")
CAPTION_NAMES = {"caption", "wp_caption"}


@dataclass
class Attachment:
    url: str
    alt: str = ""
    mime_type: str = ""
    parent_id: str = ""

    @property
    def is_image(self) -> bool:
        return not self.mime_type or self.mime_type.startswith("image/")


@dataclass
class PreparedContent:
    html: str
    warnings: list[str] = field(default_factory=list)
    unknown_shortcodes: list[str] = field(default_factory=list)  # in the order first seen


def prepare_content(
    raw: str,
    *,
    post_id: str,
    attachments: dict[str, Attachment],
    children: Callable[[str], list[str]],
) -> PreparedContent:
    """The HTML WordPress would show for `raw`; `children(post_id)` lists a post's attachments
    (what a [gallery] without ids shows)."""
    prepared = PreparedContent(html="")
    text = PLACEHOLDER_CHARACTERS.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    has_blocks = "<!-- wp:" in text
    text = COMMENT.sub("", text)
    kept: list[str] = []
    text = _set_aside_verbatim(text, kept)
    expander = _ShortcodeExpander(post_id, attachments, children, prepared)
    text = expander.expand(text)
    text = BARE_URL_LINE.sub(lambda m: f'{m[1]}<a href="{m[2]}">{m[2]}</a>{m[3]}', text)
    if not has_blocks:  # Gutenberg posts already hold their <p> tags; WordPress skips wpautop
        text = autop(text)
    prepared.html = PLACEHOLDER.sub(lambda m: kept[int(m[1])], text).strip()
    return prepared


def _set_aside_verbatim(text: str, kept: list[str]) -> str:
    """Replace <pre>, <code>... elements by placeholders, their markup appended to `kept`."""
    parts, cursor, unclosed = [], 0, set()
    for opening in VERBATIM_OPENING.finditer(text):
        name = opening[1].lower()
        if opening.start() < cursor or name in unclosed:
            continue
        closing = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, opening.end())
        if closing is None:
            unclosed.add(name)  # never search for it again: no quadratic scans
            continue
        kept.append(text[opening.start() : closing.end()])
        number = len(kept) - 1
        is_block = name in VERBATIM_BLOCKS
        placeholder = f"\n\n\ue002{number}\ue001\n\n" if is_block else f"\ue000{number}\ue001"
        parts += [text[cursor : opening.start()], placeholder]
        cursor = closing.end()
    parts.append(text[cursor:])
    return "".join(parts)


def autop(text: str) -> str:
    """WordPress's wpautop, simplified: blank lines make paragraphs, single newlines <br>."""
    text = BLOCK_CLOSE.sub(r"\1\n\n", BLOCK_OPEN.sub(r"\n\n\1", text))
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if STARTS_WITH_BLOCK.match(chunk) or BLOCK_PLACEHOLDER.match(chunk):
            paragraphs.append(chunk)
        else:
            lines = (line.strip(" \t") for line in chunk.split("\n"))
            paragraphs.append("<p>" + "<br />\n".join(lines) + "</p>")
    return "\n".join(paragraphs)


def shortcode_attributes(text: str) -> dict[str, str]:
    """WordPress's shortcode_parse_atts: name="v", name='v', name=v, and bare values by position."""
    attributes: dict[str, str] = {}
    position = 0
    for match in SHORTCODE_ATTRIBUTE.finditer(text):
        for name_group in (1, 3, 5):
            if match[name_group]:
                attributes[match[name_group].lower()] = match[name_group + 1]
                break
        else:
            value = (
                match[7] if match[7] is not None else match[8] if match[8] is not None else match[9]
            )
            attributes[str(position)] = value
            position += 1
    return attributes


class _ShortcodeExpander:
    def __init__(self, post_id, attachments, children, prepared: PreparedContent):
        self.post_id = post_id
        self.attachments = attachments
        self.children = children
        self.prepared = prepared

    def expand(self, text: str, depth: int = 0) -> str:
        tags = list(SHORTCODE_TAG.finditer(text))
        closers: dict[str, list[int]] = {}  # name -> where each [/name] starts
        for tag in tags:
            if tag[1] and not tag[3]:
                closers.setdefault(tag[2], []).append(tag.start())
        parts, cursor = [], 0
        for tag in tags:
            if tag.start() < cursor or tag[1]:
                continue  # inside a shortcode already read, or a closer on its own
            name, raw_attributes = tag[2], tag[3]
            is_self_closing = raw_attributes.endswith("/")
            content, end = None, tag.end()
            starts = closers.get(name, [])
            following = bisect.bisect_left(starts, tag.end())
            if not is_self_closing and following < len(starts):
                content = text[tag.end() : starts[following]]
                end = starts[following] + len(name) + 3
            parts.append(text[cursor : tag.start()])
            cursor = end
            if tag.start() > 0 and text[tag.start() - 1] == "[" and text[end : end + 1] == "]":
                parts[-1] = parts[-1][:-1]  # [[name]] is shown as [name]
                parts.append(text[tag.start() : end])
                cursor = end + 1
                continue
            opening = text[tag.start() : tag.end()]
            parts.append(
                self._replace(name, raw_attributes.removesuffix("/"), opening, content, depth)
            )
        parts.append(text[cursor:])
        return "".join(parts)

    def _replace(self, name, raw_attributes, opening, content, depth) -> str:
        lowered = name.lower()
        attributes = shortcode_attributes(raw_attributes)
        if lowered in CAPTION_NAMES:
            return self._caption(attributes, content or "", depth)
        if lowered == "gallery":
            return self._gallery(attributes)
        if lowered == "embed":
            return _link_paragraph((content or "").strip() or attributes.get("src", ""))
        if lowered in ("audio", "video"):
            return self._media(lowered, attributes, content)
        is_shortcode_like = content is not None or opening.endswith("/]") or "=" in raw_attributes
        if is_shortcode_like and lowered not in self.prepared.unknown_shortcodes:
            self.prepared.unknown_shortcodes.append(lowered)
        if content is None:
            return opening
        inner = self.expand(content, depth + 1) if depth < MAX_SHORTCODE_NESTING else content
        return f"{opening}{inner}[/{name}]"

    def _caption(self, attributes: dict[str, str], content: str, depth: int) -> str:
        soup = parse_html(content) if "<img" in content.lower() else None
        image = soup.find("img") if soup is not None else None
        if soup is None or image is None:
            return self.expand(content, depth + 1) if depth < MAX_SHORTCODE_NESTING else content
        src, alt = str(image.get("src") or ""), str(image.get("alt") or "")
        image.decompose()
        caption = attributes.get("caption") or " ".join(soup.get_text(" ").split())
        figcaption = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
        return f'\n\n<figure><img src="{escape(src)}" alt="{escape(alt)}">{figcaption}</figure>\n\n'

    def _gallery(self, attributes: dict[str, str]) -> str:
        wanted = attributes.get("ids") or attributes.get("include") or ""
        if wanted:
            ids = re.findall(r"\d+", wanted)
        else:
            ids = [i for i in self.children(self.post_id) if self.attachments[i].is_image]
        missing = [i for i in ids if i not in self.attachments]
        if missing:
            self.prepared.warnings.append(
                f"A gallery shows images that are not in the export (attachments "
                f"{', '.join(missing)}); they were left out."
            )
        images = [
            f'<img src="{escape(self.attachments[i].url)}" alt="{escape(self.attachments[i].alt)}">'
            for i in ids
            if i in self.attachments
        ]
        if not images:
            self.prepared.warnings.append("A gallery with no images in the export was left out.")
            return ""
        return "\n\n<p>" + "".join(images) + "</p>\n\n"

    def _media(self, kind: str, attributes: dict[str, str], content: str | None) -> str:
        """[audio src=...], [audio https://...] or, with no file named, the post's first
        attached file of that kind, as WordPress shows it."""
        names = AUDIO_ATTRIBUTES if kind == "audio" else VIDEO_ATTRIBUTES
        candidates = [attributes.get(name, "") for name in (*names, "0")]
        candidates += [(content or "").strip()]
        candidates += [
            self.attachments[i].url
            for i in self.children(self.post_id)
            if self.attachments[i].mime_type.startswith(f"{kind}/")
        ]
        url = next((url for url in candidates if url.startswith(("http://", "https://"))), "")
        if not url:
            self.prepared.warnings.append(f"An [{kind}] shortcode without a file was left out.")
        return _link_paragraph(url)


def _link_paragraph(url: str) -> str:
    if not re.match(r"^https?://\S+$", url):
        return escape(url)
    return f'\n\n<p><a href="{escape(url)}">{escape(url)}</a></p>\n\n'
