"""Substack post bodies (posts/<id>.html in an export) to Masthead Markdown.

Substack writes its editor's blocks as HTML with a `data-attrs` attribute (HTML-escaped JSON)
and often a `data-component-name`. Each known block becomes its Masthead equivalent: captioned
images and galleries, the paywall line, footnotes, buttons and subscribe widgets as links, embeds
(X posts, YouTube, Spotify...) as quotes or links, LaTeX blocks as math. Anything else keeps its
text, with a note for the import report.
"""

import json
import re
from collections.abc import Callable
from urllib.parse import unquote

from bs4 import Tag

from masthead.importers.markup import (
    PAYWALL_PARAGRAPH,
    Converted,
    HtmlToMarkdown,
    is_web_url,
    url_host,
)

SUBSCRIBE_PATH = "/subscribe/"

_CDN_FETCH = re.compile(r"^https?://substackcdn\.com/image/fetch/[^/]*/(https?(?::|%3A).+)$", re.I)
_VIDEO_ID = re.compile(r"^[\w-]{1,64}$")
_START_TIME = re.compile(r"^([0-9]{1,6})s?$")
_FOOTNOTE_LABEL = re.compile(r"[^\w-]")

# Embeds whose data-attrs hold a "url": class -> the link's label when the block has no title.
LINK_EMBEDS = {
    "vimeo-wrap": "Watch on Vimeo",
    "spotify-wrap": "Listen on Spotify",
    "apple-podcast-container": "Listen on Apple Podcasts",
    "soundcloud-wrap": "Listen on SoundCloud",
    "bandcamp-wrap": "Listen on Bandcamp",
    "instagram": "See it on Instagram",
    "tiktok-wrap": "Watch on TikTok",
    "bluesky-wrap": "See it on Bluesky",
    "github-gist": "See the code on GitHub",
}
# Blocks that only make sense on Substack: left out.
DROPPED_CLASSES = {"install-substack-app-embed", "share-dialog", "social-share-widget"}
# Components that are plain content already (a bare image): converted without a note.
PLAIN_COMPONENTS = {"Image2ToDOM"}


def unwrap_substack_cdn(url: str) -> str:
    """The original address of an image Substack serves through its resizing CDN
    (substackcdn.com/image/fetch/<transform>/<the original, URL-encoded>)."""
    match = _CDN_FETCH.match(url.strip())
    return unquote(match.group(1)) if match else url.strip()


def data_attrs(el: Tag) -> dict | None:
    """The block's data-attrs JSON (BeautifulSoup has undone the HTML escaping), or None."""
    raw = el.get("data-attrs")
    if not isinstance(raw, str):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _string(value) -> str:
    return value if isinstance(value, str) else ""


class SubstackToMarkdown(HtmlToMarkdown):
    """HtmlToMarkdown, plus Substack's blocks (see the module docstring)."""

    def image_source(self, url: str) -> str:
        return unwrap_substack_cdn(url)

    def drop_unwanted(self, soup) -> None:
        # A subscribe widget's own form becomes a link to /subscribe/: nothing to report.
        for widget in soup.find_all(class_=re.compile(r"^subscri(?:ption|be)-widget")):
            for form in widget.find_all("form"):
                form.decompose()
        super().drop_unwanted(soup)

    def process_tag(self, node, parent_tags=None):
        handler = self.block_handler(node) if isinstance(node, Tag) else None
        if handler is not None:
            return handler(node, parent_tags or set())
        return super().process_tag(node, parent_tags)

    def block_handler(self, el: Tag) -> Callable[[Tag, set], str] | None:
        classes = set(el.get("class") or [])
        component = str(el.get("data-component-name") or "")
        if classes & DROPPED_CLASSES or "share" in component.lower():
            return self.drop_block
        if "paywall-jump" in classes or component == "PaywallToDOM":
            return lambda el, parent_tags: self.block(PAYWALL_PARAGRAPH)
        if "captioned-image-container" in classes:
            return self.convert_captioned_image
        if classes & {"image-gallery-embed", "image-grid"}:
            return self.convert_gallery
        if "footnote-anchor" in classes or component == "FootnoteAnchorToDOM":
            return self.convert_footnote_anchor
        if (el.name == "div" and "footnote" in classes) or component == "FootnoteToDOM":
            return self.convert_footnote
        if "button-wrapper" in classes:
            return self.convert_button
        if "tweet" in classes:
            return self.convert_tweet
        if "youtube-wrap" in classes:
            return self.convert_youtube
        if classes & LINK_EMBEDS.keys():
            return self.convert_link_embed
        if classes & {"embedded-post-wrap", "digest-post-embed"}:
            return self.convert_post_embed
        if "latex-rendered" in classes:
            return self.convert_latex
        if "poll-embed" in classes:
            return self.convert_poll
        if any(c.startswith(("subscription-widget", "subscribe-widget")) for c in classes):
            return self.convert_subscribe_widget
        if "pullquote" in classes:
            return self.convert_pullquote
        if (
            component
            and component not in PLAIN_COMPONENTS
            and not el.find_parent(attrs={"data-component-name": True})
        ):
            return self.convert_unknown_component
        return None

    # Blocks ------------------------------------------------------------------------------------

    def drop_block(self, el: Tag, parent_tags: set) -> str:
        return ""

    def convert_captioned_image(self, el: Tag, parent_tags: set) -> str:
        image = el.find("img")
        if image is None:
            self.note("a Substack image block without an image was kept as text")
            return super().process_tag(el, parent_tags)
        caption = self.inline_markdown(el.find("figcaption"))
        src = image.get("src") or image.get("data-src") or ""
        return self.block(self.image_markdown(src, image.get("alt") or "", caption) or caption)

    def convert_gallery(self, el: Tag, parent_tags: set) -> str:
        gallery = (data_attrs(el) or {}).get("gallery")
        sources: list[tuple[str, str]] = []  # (src, alt)
        caption = ""
        if isinstance(gallery, dict):
            images = gallery.get("images")
            for image in images if isinstance(images, list) else []:
                if isinstance(image, dict) and _string(image.get("src")):
                    sources.append((image["src"], _string(image.get("alt"))))
            caption = self.text(_string(gallery.get("caption")))
        if not sources:  # no usable data-attrs: the images the HTML shows
            sources = [(img.get("src") or "", img.get("alt") or "") for img in el.find_all("img")]
        if not caption:
            caption_element = el.find("figcaption") or el.find(class_="image-gallery-caption")
            caption = self.inline_markdown(caption_element)
        markdown = [
            self.image_markdown(src, alt, caption if index == len(sources) - 1 else "")
            for index, (src, alt) in enumerate(sources)
        ]
        gallery_markdown = "\n".join(part for part in markdown if part)
        if not gallery_markdown:
            self.note("a Substack gallery without images was left out")
        return self.block(gallery_markdown or caption)

    def convert_footnote_anchor(self, el: Tag, parent_tags: set) -> str:
        label = self.footnote_label(el.get_text(), el.get("href"))
        return f"[^{label}]" if label else ""

    def convert_footnote(self, el: Tag, parent_tags: set) -> str:
        number = el.find(class_="footnote-number") or el.find("a")
        label = self.footnote_label(number.get_text() if number else "", el.get("id"))
        content = el.find(class_="footnote-content")
        if content is None:
            if number is not None:
                number.extract()
            content = el
        body = super().process_tag(content, parent_tags).strip("\n")
        if not label:
            return self.block(body)
        # Blocks after the first belong to the footnote when indented by four spaces.
        lines = body.split("\n")
        indented = [lines[0]] + [f"    {line}" if line else "" for line in lines[1:]]
        return self.block(f"[^{label}]: " + "\n".join(indented))

    @staticmethod
    def footnote_label(text: str, fallback) -> str:
        label = _FOOTNOTE_LABEL.sub("", text or "")
        if not label and isinstance(fallback, str):
            label = _FOOTNOTE_LABEL.sub("", fallback.rsplit("-", 1)[-1])
        return label[:20]

    def convert_button(self, el: Tag, parent_tags: set) -> str:
        attrs = data_attrs(el) or {}
        anchor = el.find("a")
        url = _string(attrs.get("url")) or (anchor.get("href") if anchor else "") or ""
        text = _string(attrs.get("text")) or el.get_text(" ", strip=True)
        lowered = f"{url} {text} {_string(attrs.get('action'))}".lower()
        if "share" in lowered:
            self.note(f"a “{text[:40] or 'Share'}” button was left out")
            return ""
        if "%%" in url or "subscribe" in lowered or "checkout" in lowered:
            url = SUBSCRIBE_PATH
        if not text:
            return ""
        return self.block(self.link_markdown(url, self.text(text)))

    def convert_tweet(self, el: Tag, parent_tags: set) -> str:
        attrs = data_attrs(el)
        if attrs is None:
            return self.fallback(el, parent_tags, "a post from X")
        url = _string(attrs.get("url"))
        username = _string(attrs.get("username"))
        name = _string(attrs.get("name"))
        lines = [self.text(line) for line in _string(attrs.get("full_text")).split("\n")]
        author = f"@{username}" if username else name or "someone"
        signature = self.link_markdown(url, self.text(f"{author} on X")) if url else author
        quote = [*lines, "", f"— {signature}"]
        self.note(f"a post on X by {author} was kept as a quote")
        return self.block("\n".join(f"> {line}" if line else ">" for line in quote))

    def convert_youtube(self, el: Tag, parent_tags: set) -> str:
        attrs = data_attrs(el) or {}
        video_id = _string(attrs.get("videoId"))
        if not video_id:
            element_id = str(el.get("id") or "")
            video_id = element_id.removeprefix("youtube2-") if element_id != "youtube2-" else ""
        if not _VIDEO_ID.match(video_id):
            return self.fallback(el, parent_tags, "a YouTube video")
        url = f"https://www.youtube.com/watch?v={video_id}"
        start = _START_TIME.match(str(attrs.get("startTime") or ""))
        if start and start.group(1) != "0":
            url += f"&t={start.group(1)}s"
        return self.block(self.link_markdown(url, "Watch on YouTube"))

    def convert_link_embed(self, el: Tag, parent_tags: set) -> str:
        attrs = data_attrs(el) or {}
        label = next(LINK_EMBEDS[c] for c in el.get("class") or [] if c in LINK_EMBEDS)
        url = _string(attrs.get("url"))
        if not url and "vimeo-wrap" in (el.get("class") or []):
            video_id = _string(attrs.get("videoId"))
            url = f"https://vimeo.com/{video_id}" if _VIDEO_ID.match(video_id) else ""
        if not is_web_url(url):
            iframe = el if el.name == "iframe" else el.find("iframe")
            url = (iframe.get("src") or "") if iframe else ""
        if not is_web_url(url):
            return self.fallback(el, parent_tags, "an embed")
        title = _string(attrs.get("title"))
        text = self.text(f"{title} ({label})" if title else label)
        self.note(f"an embed from {url_host(url)} was kept as a link")
        return self.block(self.link_markdown(url, text))

    def convert_post_embed(self, el: Tag, parent_tags: set) -> str:
        attrs = data_attrs(el) or {}
        url = _string(attrs.get("url")) or _string(attrs.get("canonical_url"))
        title = _string(attrs.get("title"))
        if not url:
            anchor = el.find("a", href=True)
            url = anchor.get("href") if anchor else ""
            title = title or (anchor.get_text(" ", strip=True) if anchor else "")
        if not is_web_url(url):
            return self.fallback(el, parent_tags, "an embedded post")
        return self.block(self.link_markdown(url, self.text(title or url_host(url))))

    def convert_latex(self, el: Tag, parent_tags: set) -> str:
        attrs = data_attrs(el) or {}
        expression = _string(attrs.get("persistentExpression")) or _string(attrs.get("expression"))
        # A blank line or "$$" would end the formula early.
        lines = [line for line in expression.replace("$$", r"\$\$").split("\n") if line.strip()]
        if not lines:
            return self.fallback(el, parent_tags, "a LaTeX block")
        return self.block("$$\n" + "\n".join(lines) + "\n$$")

    def convert_poll(self, el: Tag, parent_tags: set) -> str:
        text = el.get_text(" ", strip=True)
        self.note("a poll was kept as text; its votes were not imported")
        return self.block(self.text(f"Poll: {text}" if text else "Poll"))

    def convert_subscribe_widget(self, el: Tag, parent_tags: set) -> str:
        return self.block(f"[Subscribe]({SUBSCRIBE_PATH})")

    def convert_pullquote(self, el: Tag, parent_tags: set) -> str:
        body = super().process_tag(el, parent_tags).strip()
        if not body:
            return ""
        return self.block("\n".join(f"> {line}" if line else ">" for line in body.split("\n")))

    def convert_unknown_component(self, el: Tag, parent_tags: set) -> str:
        name = str(el.get("data-component-name"))[:60]
        self.note(f"a Substack block ({name}) was kept as text")
        return super().process_tag(el, parent_tags)

    def fallback(self, el: Tag, parent_tags: set, what: str) -> str:
        """A block whose data cannot be read: its text, and a note."""
        self.note(f"{what} could not be read and was kept as text")
        text = el.get_text(" ", strip=True)
        return self.block(self.text(text)) if "_inline" not in parent_tags else self.text(text)


def substack_html_to_markdown(html: str) -> Converted:
    """A Substack post body as Masthead Markdown; never raises."""
    return SubstackToMarkdown().convert_html(html)
