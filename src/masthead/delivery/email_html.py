"""The HTML of an email as mail clients need it: a post's images and tables made to fit a 600 px
column, the publication's accent made readable on white, and the stylesheet inlined."""

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
    return re.sub(r"</table>", "</table></div>", html, flags=re.I)


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
