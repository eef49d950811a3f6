"""Writing Masthead Markdown from Ghost's content: escaped text, inline runs, blocks and URLs.

Lexical (Ghost 5+) and Mobiledoc (Ghost 4 and older) both come down to the same pieces: runs of
formatted text, paragraphs, headings, quotes, lists and cards. This module writes those pieces;
`lexical` and `mobiledoc` walk their own trees and call it.
"""

import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import quote

from bs4 import BeautifulSoup
from bs4.exceptions import ParserRejectedMarkup
from markdown_it import MarkdownIt

GHOST_URL = "__GHOST_URL__"
MAX_DEPTH = 40  # deeper nesting than any editor makes: the rest is kept as plain text

_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>|~$])")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# What would start a heading, quote, list, rule or setext underline at the start of a line.
_LINE_START = re.compile(r"^([ \t]*)([#>+=-]|\d{1,9}(?=[.)]))", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")


class ContentError(ValueError):
    """A post's content is not a document Ghost's formats allow."""


@dataclass(frozen=True)
class Run:
    """A piece of inline content: text with its formats, inside a link or not, or a line break."""

    text: str = ""
    formats: frozenset[str] = frozenset()  # bold, italic, strike, code
    href: str | None = None
    is_break: bool = False


@dataclass
class Conversion:
    """One post's conversion: where Ghost's own URLs point, and what was found on the way."""

    site_url: str = ""  # "https://example.com", no trailing slash; "" when unknown
    image_urls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def link_url(self, raw: str) -> str:
        """A link's address; Ghost's placeholder for its own site becomes the site's address,
        or a path on this site when the address is unknown (the old paths lead there)."""
        url = raw.strip()
        if url.startswith(GHOST_URL):
            rest = url[len(GHOST_URL) :] or "/"
            return self.site_url + rest if self.site_url else rest
        return url

    def image_url(self, raw: str, *, is_listed: bool = True) -> str:
        """An image's address, resolved like a link; remote ones are listed for downloading."""
        url = raw.strip()
        if url.startswith(GHOST_URL) or (url.startswith("/") and not url.startswith("//")):
            path = url.removeprefix(GHOST_URL)
            if self.site_url:
                url = self.site_url + path
            else:
                self.note(
                    "Some images were on the Ghost site itself and the export does not say its "
                    "address: they are kept as they were and will not show. Import again with "
                    "the site's address to fetch them."
                )
                return url
        elif url.startswith("//"):
            url = "https:" + url
        if is_listed:
            self.add_image(url)
        return url

    def add_image(self, url: str) -> None:
        if is_remote(url) and url not in self.image_urls:
            self.image_urls.append(url)

    def html(self, html: str) -> str:
        """An HTML fragment (an HTML card, a caption with markup) as Markdown."""
        if self.site_url:
            html = html.replace(GHOST_URL, self.site_url)
        try:
            from masthead.importers.markup import html_to_markdown
        except ImportError:
            self.note("An HTML card was kept as plain text (no HTML converter is installed).")
            return escape_block(text_of_html(html))
        try:
            converted = html_to_markdown(html)
        except ParserRejectedMarkup:
            self.note("HTML the parser could not read was kept as plain text.")
            return escape_block(text_of_html(html))
        for url in converted.image_urls:
            self.add_image(url)
        for note in converted.notes:
            self.note(note)
        return converted.markdown.strip()


def is_remote(url: str) -> bool:
    return bool(re.match(r"https?://[^\s/]", url, re.IGNORECASE))


def text_of_html(html: str) -> str:
    """The words of an HTML fragment, spaces tidied (captions, toggle headings)."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    try:
        text = BeautifulSoup(html, "html.parser").get_text(" ")
    except ParserRejectedMarkup:  # "<![" and friends: keep what is between the tags
        text = unescape(re.sub(r"<[^>]*>", " ", html))
    return " ".join(text.split())


# Text


def escape_inline(text: str) -> str:
    """Text that Markdown shows as it is, wherever it sits in a line."""
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    return _ENTITY_LIKE.sub(r"\\&", text)


def escape_line_starts(markdown: str) -> str:
    """Backslash what would turn a line of a paragraph into another block (`# `, `- `, `1. `)."""

    def escape(match: re.Match) -> str:
        indent, start = match.group(1), match.group(2)
        if start[0].isdigit():
            return f"{indent}{start}\\"  # "1984." → "1984\." (the dot follows the match)
        return f"{indent}\\{start}"

    return _LINE_START.sub(escape, markdown)


def escape_block(text: str) -> str:
    """Plain text as a paragraph's Markdown."""
    return escape_line_starts(escape_inline(" ".join(text.split())))


def code_span(text: str) -> str:
    text = text.replace("\n", " ")
    if not text:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def link_destination(url: str) -> str:
    """A URL as a Markdown link destination: no spaces, brackets or parentheses left bare."""
    url = quote(url, safe="!#$%&'*+,-./:;=?@_~[]()")
    return url.replace("(", "%28").replace(")", "%29")


def link_title(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# Inline runs


def _merged(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if run.is_break or not run.text:
            if run.is_break:
                merged.append(run)
            continue
        last = merged[-1] if merged else None
        if last and not last.is_break and (last.formats, last.href) == (run.formats, run.href):
            merged[-1] = Run(last.text + run.text, run.formats, run.href)
        elif (
            last
            and not last.is_break
            and last.href == run.href
            and "code" in last.formats & run.formats
        ):
            # Two code spans side by side would read as one with backticks inside.
            formats = last.formats & run.formats
            merged[-1] = Run(last.text + run.text, formats, last.href)
        else:
            merged.append(run)
    return merged


_EMPHASIS = {"strike": "~~", "bold": "**", "italic": "*"}  # outermost first when opened together
# The renderer's own inline rules, to check that emphasis written here parses as meant.
_checker = MarkdownIt("commonmark").enable("strikethrough")


def _write_inline(
    runs: list[Run], *, allow_breaks: bool, has_emphasis: bool
) -> tuple[str, dict[str, int]]:
    """Runs as inline Markdown, and how many spans of each emphasis it opened.

    Formats are nested, not wrapped run by run (`**a *b***`, not `**a*****b***`), and spaces
    move outside the markers, where CommonMark needs them.
    """
    out: list[str] = []
    stack: list[str] = []
    opened = dict.fromkeys(_EMPHASIS, 0)
    pending = ""  # whitespace held back until the markers around it are written

    def close_to(depth: int) -> None:
        for name in reversed(stack[depth:]):
            out.append(_EMPHASIS[name])
        del stack[depth:]

    index = 0
    while index < len(runs):
        run = runs[index]
        if run.is_break:
            close_to(0)
            out.append(pending + ("\\\n" if allow_breaks else " "))
            pending = ""
            index += 1
            continue
        if run.href is not None:
            end = index
            while end < len(runs) and runs[end].href == run.href:
                end += 1
            inner_runs = [Run(" " if r.is_break else r.text, r.formats) for r in runs[index:end]]
            inner, inner_opened = _write_inline(
                inner_runs, allow_breaks=False, has_emphasis=has_emphasis
            )
            close_to(0)
            while out and not out[-1]:
                out.pop()
            if not pending and out and out[-1].endswith("!"):
                out[-1] = out[-1][:-1] + "\\!"  # "!" before a link would make it an image
            out.append(pending + link(inner.strip() or escape_inline(run.href), run.href))
            pending = ""
            for name, count in inner_opened.items():
                opened[name] += count
            index = end
            continue
        index += 1
        text = run.text.replace("\n", " ")
        if "code" in run.formats:
            lead = trail = ""
            core = code_span(text)
        else:
            stripped = text.strip(" \t")
            lead = text[: len(text) - len(text.lstrip(" \t"))]
            trail = text[len(text.rstrip(" \t")) :] if stripped else ""
            core = escape_inline(stripped)
        if not core:
            pending += lead
            continue
        target = {name for name in _EMPHASIS if name in run.formats} if has_emphasis else set()
        depth = 0
        while depth < len(stack) and stack[depth] in target:
            depth += 1
        close_to(depth)
        out.append(pending + lead)
        for name in _EMPHASIS:
            if name in target and name not in stack:
                out.append(_EMPHASIS[name])
                stack.append(name)
                opened[name] += 1
        out.append(core)
        pending = trail
    close_to(0)
    out.append(pending)
    return "".join(out), opened


def _parses_as_meant(markdown: str, opened: dict[str, int], runs: list[Run]) -> bool:
    """Whether every marker written became emphasis, and no marker shows as text."""
    tokens = _checker.parseInline(markdown)[0].children or []
    found = {
        "bold": sum(token.type == "strong_open" for token in tokens),
        "italic": sum(token.type == "em_open" for token in tokens),
        "strike": sum(token.type == "s_open" for token in tokens),
    }
    shown = sum(t.content.count("*") + t.content.count("~") for t in tokens if t.type == "text")
    written = sum(
        run.text.count("*") + run.text.count("~")
        for run in runs
        if not run.is_break and "code" not in run.formats
    )
    return found == opened and shown == written


def _is_blank(run: Run) -> bool:
    return run.is_break or ("code" not in run.formats and not run.text.strip())


def render_runs(runs: list[Run], *, allow_breaks: bool = True) -> str:
    """Inline runs as one paragraph's Markdown (escaped, linked, hard line breaks as `\\`).

    Where CommonMark would not read a bold or italic marker as one (`x**"y"**` opens nothing),
    the paragraph keeps its words and loses its emphasis rather than show stray asterisks.
    """
    runs = _merged(runs)
    while runs and _is_blank(runs[0]):
        runs.pop(0)
    while runs and _is_blank(runs[-1]):
        runs.pop()  # a break at the end would show as a backslash
    markdown, opened = _write_inline(runs, allow_breaks=allow_breaks, has_emphasis=True)
    if any(opened.values()) and not _parses_as_meant(markdown, opened, runs):
        markdown, _ = _write_inline(runs, allow_breaks=allow_breaks, has_emphasis=False)
    markdown = "\n".join(line.strip(" \t") for line in markdown.strip().split("\n"))
    markdown = re.sub(r"(\\\n)+", "\\\\\n", markdown)  # one break where Ghost had several
    return escape_line_starts(markdown)


def link(text_markdown: str, url: str, title: str = "") -> str:
    if not url:
        return text_markdown
    titled = f' "{link_title(title)}"' if title else ""
    return f"[{text_markdown}]({link_destination(url)}{titled})"


# Blocks


def heading(level: int, runs: list[Run]) -> str:
    text = render_runs(runs, allow_breaks=False).replace("\n", " ")
    if not text:
        return ""
    if text.endswith("#"):
        text = text[:-1] + "\\#"  # a closing run of hashes would be dropped
    return f"{'#' * min(max(level, 1), 6)} {text}"


def quote_block(markdown: str) -> str:
    if not markdown.strip():
        return ""
    return "\n".join(f"> {line}" if line else ">" for line in markdown.split("\n"))


def list_block(items: list[str], *, is_ordered: bool, start: int = 1) -> str:
    """Items (each already Markdown, perhaps several lines or a nested list) as a list."""
    lines: list[str] = []
    number = max(0, min(start, 999_999_999))
    for item in items:
        marker = f"{number}." if is_ordered else "-"
        number += 1
        indent = " " * (len(marker) + 1)
        item_lines = item.split("\n") if item else [""]
        lines.append(f"{marker} {item_lines[0]}".rstrip())
        lines.extend(f"{indent}{line}" if line else "" for line in item_lines[1:])
    return "\n".join(lines)


def code_block(code: str, language: str = "") -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    info = re.sub(r"[^\w+#.-]", "", language.split()[0]) if language.split() else ""
    return f"{fence}{info}\n{code.rstrip(chr(10))}\n{fence}"


def image(src: str, alt: str = "", caption: str = "") -> str:
    alt_text = escape_inline(" ".join(alt.split()))
    title = f' "{link_title(caption)}"' if caption else ""
    return f"![{alt_text}]({link_destination(src)}{title})"


def join_blocks(blocks: list[str]) -> str:
    return "\n\n".join(block for block in blocks if block and block.strip())
