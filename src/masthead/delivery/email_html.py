"""The HTML of an email as mail clients need it: a post's images and tables made to fit a 600 px
column, its embeds, buttons and pull quotes in forms mail clients show, the publication's accent
made readable on white, and the stylesheet inlined."""

import re
from urllib.parse import unquote, urlsplit

import css_inline
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from masthead.core.rendering import is_own_upload

COLUMN_WIDTH = 600
DEFAULT_ACCENT = "#b4431b"
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
IMG_TAG = re.compile(r"<img\s[^>]*>", re.I)
# Focusable, so a keyboard can scroll it where a client keeps the attribute (axe asks for it).
TABLE_BOX = '<div class="table-box" tabindex="0" role="region" aria-label="Table">'
ATTRIBUTE = re.compile(r'\s(width|height|src)="([^"]*)"', re.I)

# Rules in <style> are copied onto each element; a <style data-css-inline="keep"> (media
# queries) stays in the head for the clients that read it. Gmail and Outlook drop classes,
# so nothing may depend on a rule that is not inlined.
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    return _inliner.inline(html)


def readable_accent(color: str) -> str:
    """The accent for text on white: the publication's colour, darkened until links in it pass
    WCAG AA (4.5:1), so a pale brand colour still gives readable links. Not a colour: default."""
    if not HEX_COLOR.match(color or ""):
        return DEFAULT_ACCENT
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    while _contrast_on_white(red, green, blue) < 4.5:
        red, green, blue = (int(value * 0.9) for value in (red, green, blue))
    return f"#{red:02x}{green:02x}{blue:02x}"


def accent_color(color: str) -> str:
    """The publication's colour as given when it is one (borders, rules), else the default."""
    return color.lower() if HEX_COLOR.match(color or "") else DEFAULT_ACCENT


def _contrast_on_white(red: int, green: int, blue: int) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (luminance + 0.05)


def fit_body_html(html: str) -> str:
    """A post's HTML inside a 600 px column: every image at most 600 px wide (its width
    attribute is what Outlook goes by; CSS max-width does the rest), and each table in a box
    that scrolls sideways rather than widening the email."""
    html = IMG_TAG.sub(_fit_image, html)
    html = re.sub(r"<table(\s|>)", TABLE_BOX + r"<table\1", html, flags=re.I)
    html = re.sub(r"</table>", "</table></div>", html, flags=re.I)
    return emailable_blocks(html)


# Writers' blocks (core.directives, core.embeds) in mail: no client plays a frame or an audio
# element, so an embed is a card linking to the video, the audio or the post it shows; a button
# is a table cell with a background (a "bulletproof" button: Outlook ignores a link's padding);
# a pull quote is styled on the element itself. Styles are inline: Gmail drops classes, and
# `.post-body a` in the stylesheet would colour a button's text like its background.
SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
CARD_STYLE = (
    "margin:0 0 22px;padding:14px 16px;border:1px solid #d9d6cf;border-radius:6px;"
    f"font-family:{SANS};font-size:15px;line-height:1.45;color:#3d3d42;"
    "overflow-wrap:anywhere;word-break:break-word;"
)
CARD_LINE_STYLE = "display:block;"
CARD_URL_STYLE = "display:block;font-size:13px;color:#6b6b70;word-break:break-all;"
BUTTON_LINK_STYLE = (
    "display:inline-block;padding:12px 24px;border-radius:6px;background-color:#1d1d1f;"
    f"font-family:{SANS};font-size:16px;line-height:1.2;font-weight:600;color:#ffffff;"
    "text-align:center;text-decoration:none;"
)
PULLQUOTE_STYLE = (
    "margin:28px 0;padding:16px 0;border:0;border-top:2px solid #1d1d1f;"
    "border-bottom:2px solid #1d1d1f;font-size:22px;line-height:1.4;font-style:italic;"
    "text-align:center;color:#1d1d1f;"
)
EMBED_FIGURE = re.compile(r'<figure class="embed(?: [a-z -]+)?">(.*?)</figure>', re.S)
EMBED_LINK = re.compile(
    r'<a class="embed-link" href="([^"]*)"[^>]*>(.*?)</a>(.*?)</figcaption>', re.S
)
PLAYER = re.compile(r"<(iframe|audio)\b.*?</\1\s*>|<(?:iframe|audio)\b[^>]*>", re.S | re.I)
BUTTON = re.compile(
    r'<p class="button-row"><a class="button" href="([^"]*)"[^>]*>(.*?)</a></p>', re.S
)


def emailable_blocks(html: str) -> str:
    """Embeds, buttons and pull quotes of a post's HTML as mail clients can show them (above)."""
    html = EMBED_FIGURE.sub(_embed_card, html)
    html = PLAYER.sub("", html)  # anything left over: never a frame or a player in mail
    html = BUTTON.sub(_table_button, html)
    html = html.replace(
        '<p class="embed-card-row">', f'<p class="embed-card-row" style="{CARD_STYLE}">'
    )
    for name, style in (
        ("host", CARD_LINE_STYLE + "font-weight:600;"),
        ("caption", CARD_LINE_STYLE),
        ("url", CARD_URL_STYLE),
    ):
        html = html.replace(
            f'<span class="embed-card-{name}">', f'<span class="embed-card-{name}" style="{style}">'
        )
    return html.replace(
        '<blockquote class="pullquote">',
        f'<blockquote class="pullquote" style="{PULLQUOTE_STYLE}">',
    )


def _embed_card(match: re.Match) -> str:
    link = EMBED_LINK.search(match.group(1))
    if link is None:
        return ""
    href, text, caption = link.groups()
    # "▶ Watch on YouTube: caption", or the address when the writer gave no caption.
    caption = caption or f": {href}"
    return (
        f'<p class="embed-card-row" style="{CARD_STYLE}">&#9654;&nbsp;'
        f'<a href="{href}" style="font-weight:600;">{text}</a>{caption}</p>'
    )


def _table_button(match: re.Match) -> str:
    href, label = match.groups()
    return (
        '<table role="presentation" class="button-table" cellpadding="0" cellspacing="0" '
        'border="0" align="center" style="margin:0 auto 22px;min-width:0;border-collapse:separate;">'
        '<tr><td align="center" bgcolor="#1d1d1f" style="padding:0;border:0;border-radius:6px;'
        f'background-color:#1d1d1f;"><a href="{href}" style="{BUTTON_LINK_STYLE}">{label}</a>'
        "</td></tr></table>"
    )


def _fit_image(match: re.Match) -> str:
    tag = match.group(0)
    attributes = {name.lower(): value for name, value in ATTRIBUTE.findall(tag)}
    width = attributes.get("width", "")
    natural = int(width) if width.isdigit() else image_width(attributes.get("src", ""))
    tag = re.sub(r'\s(?:width|height)="[^"]*"', "", tag, flags=re.I)
    if natural:
        tag = tag.replace("<img", f'<img width="{min(natural, COLUMN_WIDTH)}"', 1)
    return tag


def image_width(src: str) -> int | None:
    """The pixel width of one of this install's uploads, read from the file's header; None for
    anything else (a remote image is not fetched)."""
    if not is_own_upload(src):
        return None
    name = urlsplit(src.removeprefix(settings.BASE_URL).removeprefix(settings.MEDIA_URL)).path
    try:
        with Image.open(default_storage.path(unquote(name))) as image:
            return image.width
    except (OSError, ValueError, NotImplementedError, Image.DecompressionBombError):
        return None
