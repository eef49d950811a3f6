"""Ghost's cards (images, galleries, embeds, callouts, ...) as Masthead Markdown.

Lexical nodes and Mobiledoc cards carry the same payloads under the same names, so both
formats hand their cards here. A card Masthead has no equivalent for keeps its words and adds
a note; none raises.
"""

from collections.abc import Callable

from markdown_it import MarkdownIt

from masthead.importers.ghost.values import dicts_of, text_of
from masthead.importers.ghost.writing import (
    GHOST_URL,
    Conversion,
    code_block,
    escape_block,
    escape_inline,
    image,
    join_blocks,
    link,
    quote_block,
    text_of_html,
)

PAYWALL = "<!-- paywall -->"
SUBSCRIBE = "[Subscribe](/subscribe/)"
# Keys whose values are words a person wrote, for cards this module does not know.
_TEXT_KEYS = ("heading", "header", "title", "text", "subheader", "content", "caption", "html")
_images_parser = MarkdownIt("commonmark")

CardRenderer = Callable[[dict, Conversion], str]


def render_card(name: str, card: dict, conversion: Conversion) -> str:
    """One card's Markdown ("" when the card has nothing to show on the web)."""
    renderer = _RENDERERS.get(name)
    if renderer is None:
        conversion.note(f"A “{name}” card has no equivalent here: only its text was kept.")
        return unknown_card_text(card, conversion)
    return renderer(card, conversion)


def unknown_card_text(card: dict, conversion: Conversion) -> str:
    words = [text_of_html(text_of(card.get(key))) for key in _TEXT_KEYS]
    return join_blocks([escape_block(word) for word in words if word])


def _image(card: dict, conversion: Conversion) -> str:
    src = text_of(card.get("src")).strip()
    if not src:
        return ""
    url = conversion.image_url(src)
    caption = text_of_html(text_of(card.get("caption")))
    markdown = image(url, text_of(card.get("alt")), caption)
    href = text_of(card.get("href")).strip()
    if href:
        target = conversion.link_url(href)
        markdown += "\n\n" + link(escape_inline(caption or target), target)
        conversion.note("An image that was a link is now an image followed by that link.")
    return markdown


def _gallery(card: dict, conversion: Conversion) -> str:
    images = []
    for picture in dicts_of(card.get("images")):
        src = text_of(picture.get("src")).strip()
        if src:
            caption = text_of_html(text_of(picture.get("caption")))
            images.append(image(conversion.image_url(src), text_of(picture.get("alt")), caption))
    caption = text_of_html(text_of(card.get("caption")))
    return join_blocks(["\n".join(images), escape_block(caption) if images else ""])


def _markdown(card: dict, conversion: Conversion) -> str:
    markdown = text_of(card.get("markdown"))
    if conversion.site_url:
        markdown = markdown.replace(GHOST_URL, conversion.site_url)
    try:
        tokens = _images_parser.parse(markdown)
    except RecursionError:
        tokens = []
    stack = list(tokens)
    while stack:
        token = stack.pop()
        if token.type == "image":
            conversion.add_image(str(token.attrGet("src") or ""))
        stack.extend(token.children or [])
    return markdown.strip()


def _html(card: dict, conversion: Conversion) -> str:
    html = text_of(card.get("html"))
    return conversion.html(html) if html.strip() else ""


def _code(card: dict, conversion: Conversion) -> str:
    code = text_of(card.get("code"))
    if not code.strip():
        return ""
    caption = text_of_html(text_of(card.get("caption")))
    return join_blocks([code_block(code, text_of(card.get("language"))), escape_block(caption)])


def _titled_link(title: str, url: str, conversion: Conversion) -> str:
    target = conversion.link_url(url)
    if not target:
        return escape_block(title)
    return link(escape_inline(" ".join(title.split()) or target), target)


def _embed(card: dict, conversion: Conversion) -> str:
    url = text_of(card.get("url")).strip()
    metadata = card.get("metadata") if isinstance(card.get("metadata"), dict) else {}
    title = text_of(metadata.get("title"))
    caption = text_of_html(text_of(card.get("caption")))
    if not url:
        conversion.note("An embed without an address was left out.")
        return escape_block(caption)
    conversion.note("Embedded media (videos, posts from other sites) became links to them.")
    return join_blocks([_titled_link(title, url, conversion), escape_block(caption)])


def _bookmark(card: dict, conversion: Conversion) -> str:
    url = text_of(card.get("url")).strip()
    metadata = card.get("metadata") if isinstance(card.get("metadata"), dict) else {}
    title = text_of(metadata.get("title"))
    description = text_of(metadata.get("description"))
    caption = text_of_html(text_of(card.get("caption")))
    if not url:
        return escape_block(caption)
    return join_blocks(
        [_titled_link(title, url, conversion), escape_block(description), escape_block(caption)]
    )


def _media_link(label: str) -> CardRenderer:
    def render(card: dict, conversion: Conversion) -> str:
        src = text_of(card.get("src")).strip()
        title = text_of(card.get("title") or card.get("fileTitle") or card.get("fileName"))
        caption = text_of_html(text_of(card.get("caption") or card.get("fileCaption")))
        if not src:
            return escape_block(caption)
        conversion.note(f"{label.capitalize()} files are kept as links to where Ghost had them.")
        return join_blocks([_titled_link(title or label, src, conversion), escape_block(caption)])

    return render


def _callout(card: dict, conversion: Conversion) -> str:
    text = text_of(card.get("calloutText"))
    emoji = text_of(card.get("calloutEmoji")).strip()
    body = conversion.html(text) if text.strip() else ""
    if emoji and body:
        body = f"{escape_inline(emoji)} {body}"
    return quote_block(body)


def _toggle(card: dict, conversion: Conversion) -> str:
    heading = text_of_html(text_of(card.get("heading")))
    content = text_of(card.get("content"))
    return join_blocks(
        [
            f"**{escape_inline(heading)}**" if heading else "",
            conversion.html(content) if content.strip() else "",
        ]
    )


def _button(card: dict, conversion: Conversion) -> str:
    url = text_of(card.get("buttonUrl")).strip()
    text = text_of(card.get("buttonText"))
    if not url:
        return escape_block(text)
    return _titled_link(text, url, conversion)


def _product(card: dict, conversion: Conversion) -> str:
    src = text_of(card.get("productImageSrc")).strip()
    title = text_of_html(text_of(card.get("productTitle")))
    description = text_of(card.get("productDescription"))
    button_url = text_of(card.get("productUrl")).strip()
    button = text_of(card.get("productButton"))
    return join_blocks(
        [
            image(conversion.image_url(src), title) if src else "",
            f"**{escape_inline(title)}**" if title else "",
            conversion.html(description) if description.strip() else "",
            _titled_link(button or title, button_url, conversion) if button_url else "",
        ]
    )


def _header(card: dict, conversion: Conversion) -> str:
    header = text_of_html(text_of(card.get("header") or card.get("heading")))
    subheader = text_of_html(text_of(card.get("subheader") or card.get("subheading")))
    url = text_of(card.get("buttonUrl")).strip()
    button = text_of(card.get("buttonText"))
    return join_blocks(
        [
            f"## {escape_inline(header)}" if header else "",
            escape_block(subheader),
            _titled_link(button, url, conversion)
            if url and card.get("buttonEnabled") is not False
            else "",
        ]
    )


def _call_to_action(card: dict, conversion: Conversion) -> str:
    """Ghost 6's call to action: words, perhaps an image and a button."""
    src = text_of(card.get("imageUrl")).strip()
    words = text_of(card.get("textValue"))
    url = text_of(card.get("buttonUrl")).strip()
    has_button = url and card.get("showButton") is not False
    return join_blocks(
        [
            image(conversion.image_url(src)) if src else "",
            conversion.html(words) if words.strip() else "",
            _titled_link(text_of(card.get("buttonText")), url, conversion) if has_button else "",
        ]
    )


def _signup(card: dict, conversion: Conversion) -> str:
    return SUBSCRIBE


def _paywall(card: dict, conversion: Conversion) -> str:
    return PAYWALL


def _rule(card: dict, conversion: Conversion) -> str:
    return "---"


def _email_only(card: dict, conversion: Conversion) -> str:
    conversion.note("Content Ghost showed only in emails was left out.")
    return ""


_RENDERERS: dict[str, CardRenderer] = {
    "image": _image,
    "gallery": _gallery,
    "markdown": _markdown,
    "card-markdown": _markdown,
    "html": _html,
    "code": _code,
    "codeblock": _code,
    "code-block": _code,
    "embed": _embed,
    "bookmark": _bookmark,
    "video": _media_link("video"),
    "audio": _media_link("audio"),
    "file": _media_link("file"),
    "callout": _callout,
    "toggle": _toggle,
    "button": _button,
    "product": _product,
    "header": _header,
    "call-to-action": _call_to_action,
    "signup": _signup,
    "paywall": _paywall,
    "hr": _rule,
    "horizontalrule": _rule,
    "email": _email_only,
    "email-cta": _email_only,
}
