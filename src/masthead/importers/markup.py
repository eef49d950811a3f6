"""Other platforms' post HTML to Masthead Markdown, with the image addresses to copy and notes
for the import report about what could not come over as it was.

The Markdown is what core.rendering reads: captioned images are `![alt](src "caption")` alone
in a paragraph, galleries are images side by side in one paragraph, raw HTML never appears
(an embed becomes a link to its source), and text is escaped so that it stays text.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, PreformattedString
from bs4.exceptions import ParserRejectedMarkup
from markdownify import ATX, BACKSLASH, MarkdownConverter


@dataclass
class Converted:
    markdown: str
    image_urls: list[str] = field(default_factory=list)  # http(s), document order, no repeats
    notes: list[str] = field(default_factory=list)  # short sentences for the import report


# Removed with everything inside: nothing a reader should see, or nothing Markdown can hold.
DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "title", "meta", "link",
                "form", "input", "button", "select", "textarea", "object", "applet")  # fmt: skip
EMBED_TAGS = ("iframe", "video", "audio", "embed")
EMBED_NAMES = {  # for the report, and the link's label
    "iframe": ("an embedded iframe", "Embedded content"),
    "video": ("a video", "Video"),
    "audio": ("an audio player", "Audio"),
    "embed": ("an embed", "Embedded content"),
}
PAYWALL_PARAGRAPH = "<!-- paywall -->"
# Ghost marks the end of the free part with this comment; Masthead with its own paragraph.
_PAYWALL_COMMENT = re.compile(r"\s*(?:members-only|paywall)\s*", re.IGNORECASE)
LINK_SCHEMES = ("http", "https", "mailto")

# Characters a Markdown link destination cannot hold as they are; "%" stays, so an address
# that is already percent-encoded is not encoded twice.
_DESTINATION_SAFE = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in '<>()\\"` ')
_LANGUAGE = re.compile(r"^(?:language|lang)-([\w+#.-]{1,40})$")
_BACKTICK_RUN = re.compile(r"`+")
_DOLLAR = re.compile(r"\$")
_IMAGE = re.compile(r"(!\[(?:[^\]\\\n]|\\.)*\]\()([^\s)]+)")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def link_destination(url: str) -> str:
    """An address written so a Markdown link or image holds all of it (spaces, brackets, quotes,
    non-ASCII characters percent-encoded)."""
    return quote(url.strip(), safe=_DESTINATION_SAFE)


def link_title(text: str) -> str:
    """Text for a `"title"` in Markdown: the parser takes backslashes and quotes out again."""
    return " ".join(text.replace("\\", "\\\\").replace('"', '\\"').split())


def url_scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return "?"


def url_host(url: str) -> str:
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def is_web_url(url: str) -> bool:
    return url_scheme(url) in ("http", "https") and bool(url_host(url))


def parse_html(html: str) -> BeautifulSoup:
    """The parsed fragment; markup Python's parser rejects outright (a "<![" before a tag) is
    parsed again with its brackets as text, so a broken post is imported, never a failure."""
    try:
        return BeautifulSoup(html or "", "html.parser")
    except ParserRejectedMarkup:
        return BeautifulSoup((html or "").replace("<!", "&lt;!"), "html.parser")


class HtmlToMarkdown(MarkdownConverter):
    """markdownify, with Masthead's Markdown for figures, embeds, code and escaping."""

    class Options(MarkdownConverter.DefaultOptions):
        heading_style = ATX
        bullets = "-"
        newline_style = BACKSLASH
        escape_misc = True
        table_infer_header = True
        strip_document = None

    def __init__(self, **options):
        super().__init__(**options)
        self.image_urls: list[str] = []
        self.notes: list[str] = []

    # Entry point -------------------------------------------------------------------------------

    def convert_html(self, html: str) -> Converted:
        soup = parse_html(html)
        self.drop_unwanted(soup)
        try:
            markdown = self.convert_soup(soup)
        except RecursionError:
            # Thousands of nested elements: keep the words rather than fail the import.
            self.note("a post nested too deeply to convert was imported as plain text")
            self.image_urls.clear()
            markdown = "\n\n".join(self.text(line) for line in soup.get_text("\n").split("\n"))
        markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip("\n")
        return Converted(
            markdown=markdown + "\n" if markdown.strip() else "",
            image_urls=list(dict.fromkeys(self.image_urls)),
            notes=list(dict.fromkeys(self.notes)),
        )

    def drop_unwanted(self, soup: BeautifulSoup) -> None:
        for tag in soup.find_all(DROPPED_TAGS):
            if tag.decomposed:
                continue
            if tag.name == "form":
                self.note("a form was left out")
            tag.decompose()
        for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
            if _PAYWALL_COMMENT.fullmatch(str(comment)):
                comment.replace_with(soup.new_tag("masthead-paywall"))
        # markdownify reads these with int() after str.isdigit(), which "²" passes.
        for tag in soup.find_all(["ol", "td", "th"]):
            for attribute in ("start", "colspan"):
                if attribute in tag.attrs and not re.fullmatch(r"[0-9]{1,6}", str(tag[attribute])):
                    del tag[attribute]

    def note(self, text: str) -> None:
        self.notes.append(text)

    # Hooks for subclasses ---------------------------------------------------------------------

    def image_source(self, url: str) -> str:
        """The address to store for an image; the Substack converter unwraps its CDN here."""
        return url.strip()

    def process_tag(self, node, parent_tags=None):
        if node.name == "figure":
            return self.convert_whole_figure(node, parent_tags or set())
        if node.name == "masthead-paywall":
            return self.block(PAYWALL_PARAGRAPH)
        if node.name in EMBED_TAGS:
            return self.convert_embed(node, parent_tags or set())
        return super().process_tag(node, parent_tags)

    # Building blocks, shared with the Substack converter ---------------------------------------

    def text(self, value: str) -> str:
        """Plain text as Markdown that renders as that text."""
        return self.escape(" ".join(str(value or "").split()), set())

    def escape(self, text, parent_tags):
        if not text:
            return ""
        # "$" would open TeX math in Masthead's Markdown.
        return _DOLLAR.sub(r"\\$", super().escape(text, parent_tags))

    def inline_markdown(self, element: Tag | None) -> str:
        """An element's content as one line of inline Markdown (for captions and quotes)."""
        if element is None:
            return ""
        parts = [
            self.process_element(child, {"_inline", "p"})
            for child in element.children
            if not isinstance(child, PreformattedString)  # comments, doctypes, CDATA
        ]
        return " ".join("".join(parts).split())

    def image_markdown(self, src: str, alt: str = "", caption: str = "") -> str:
        """`![alt](src "caption")`, or "" (with a note) for an address that cannot be kept.
        caption is inline Markdown already."""
        src = self.image_source(src or "")
        if src.startswith("//"):
            src = "https:" + src  # protocol-relative: the page was served over https
        if not src:
            return ""
        scheme = url_scheme(src)
        if scheme == "data":
            self.note("an image stored inside the page (a data: address) was left out")
            return ""
        if scheme not in ("", "http", "https") or src.startswith("//"):
            self.note(f"an image with the address {src[:80]!r} was left out")
            return ""
        destination = link_destination(src)
        if is_web_url(src):
            self.image_urls.append(destination)
        else:
            self.note(f"the image {src[:80]!r} has a relative address and was not copied")
        alt_text = self.text(alt)
        title = f' "{link_title(caption)}"' if caption.strip() else ""
        return f"![{alt_text}]({destination}{title})"

    def link_markdown(self, url: str, label: str) -> str:
        """`[label](url)` for a link we keep; the label alone for one we do not. label is
        inline Markdown already."""
        url = (url or "").strip()
        if url.startswith("//"):
            url = "https:" + url
        if not url or not label.strip():
            return label
        if url_scheme(url) not in ("", *LINK_SCHEMES) or url.startswith("//"):
            return label
        return f"[{label}]({link_destination(url)})"

    @staticmethod
    def block(markdown: str) -> str:
        return f"\n\n{markdown.strip()}\n\n" if markdown.strip() else ""

    # Element conversions ----------------------------------------------------------------------

    def convert_a(self, el, text, parent_tags):
        if "_noformat" in parent_tags:
            return text
        stripped = text.strip()
        if not stripped:
            return text
        leading = text[: len(text) - len(text.lstrip())]
        trailing = text[len(text.rstrip()) :]
        return leading + self.link_markdown(el.get("href") or "", stripped) + trailing

    def convert_img(self, el, text, parent_tags):
        src = el.get("src") or el.get("data-src") or _first_srcset_url(el.get("srcset"))
        alt = el.get("alt") or ""
        if "_inline" in parent_tags and "figcaption" not in parent_tags:
            return self.text(alt)  # headings and table cells hold no images
        return self.image_markdown(src or "", alt, self.text(el.get("title") or ""))

    def convert_whole_figure(self, el: Tag, parent_tags: set) -> str:
        images = el.find_all("img")
        if not images:
            return super().process_tag(el, parent_tags)
        caption = self.inline_markdown(el.find("figcaption"))
        markdown = []
        for index, image in enumerate(images):
            src = (
                image.get("src") or image.get("data-src") or _first_srcset_url(image.get("srcset"))
            )
            is_last = index == len(images) - 1
            markdown.append(
                self.image_markdown(src or "", image.get("alt") or "", caption if is_last else "")
            )
        figure = "\n".join(part for part in markdown if part)
        if "_inline" in parent_tags:
            return " " + (figure.replace("\n", " ") or caption) + " "
        return self.block(figure or caption)

    def convert_embed(self, el: Tag, parent_tags: set) -> str:
        src = el.get("src") or ""
        if not src:
            source = el.find("source", src=True)
            src = source.get("src") if source else ""
        kind, label = EMBED_NAMES.get(el.name, EMBED_NAMES["embed"])
        if not is_web_url(src):
            self.note(f"{kind} without a web address was left out")
            return ""
        host = url_host(src)
        self.note(f"{kind} from {host} was kept as a link")
        label = self.text(el.get("title") or f"{label} ({host})")
        link = self.link_markdown(src, label)
        return f" {link} " if "_inline" in parent_tags else self.block(link)

    def convert_pre(self, el, text, parent_tags):
        if not text.strip("\n"):
            return ""
        code = text.strip("\n")
        longest = max((len(run) for run in _BACKTICK_RUN.findall(code)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}{_code_language(el)}\n{code}\n{fence}\n\n"

    def convert_hN(self, n, el, text, parent_tags):
        if "_inline" in parent_tags:
            return text
        text = " ".join(text.split())
        return self.block(f"{'#' * max(1, min(6, n))} {text}") if text else ""

    def convert_hr(self, el, text, parent_tags):
        return "\n\n---\n\n"

    def convert_table(self, el, text, parent_tags):
        if "_inline" in parent_tags or el.find_parent("table"):
            return " " + " ".join(_UNESCAPED_PIPE.sub(" ", text).split()) + " "
        return super().convert_table(el, text, parent_tags)

    def convert_li(self, el, text, parent_tags):
        if el.parent is None or el.parent.name not in ("ul", "ol"):
            return self.block(text)  # a stray <li>: markdownify would make it a list of its own
        return super().convert_li(el, text, parent_tags)


def _first_srcset_url(srcset: str | None) -> str:
    return (srcset or "").strip().split(" ")[0].rstrip(",") if srcset else ""


def _code_language(el: Tag) -> str:
    candidates = [el, *el.find_all("code", limit=1)]
    for element in candidates:
        for css_class in element.get("class") or []:
            match = _LANGUAGE.match(css_class)
            if match:
                return match.group(1)
    return ""


def html_to_markdown(html: str) -> Converted:
    """Generic post HTML (Ghost, WordPress, anything) as Masthead Markdown; never raises."""
    return HtmlToMarkdown().convert_html(html)


def rewrite_image_urls(markdown: str, mapping: dict[str, str]) -> str:
    """The Markdown with each image address (in `![..](address ...)`, outside code blocks)
    found in mapping replaced by its value: the stored copies of the images."""
    if not mapping:
        return markdown

    def replace(match: re.Match) -> str:
        address = match.group(2)
        new = mapping.get(address)
        return match.group(1) + (link_destination(new) if new else address)

    lines = markdown.split("\n")
    fence = ""
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        lines[index] = _IMAGE.sub(replace, line)
    return "\n".join(lines)
