"""Social cards: the 1200×630 picture a link to a page shows where it is shared (og:image).

A post's cover comes first, then the publication's social image; without either a card is drawn
from the title, the publication's name and its accent colour, and nothing else, so a paid post's
card never shows a word of its body. Its address carries a hash of what it shows: a new title,
name or colour is a new address, so each one can be cached for good.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from django.core.cache import cache as django_cache
from django.core.files.images import get_image_dimensions
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from masthead.publications.theme import parse_accent, readable_on

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("/Library/Fonts")]
SERIF_BOLD = ["DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf", "NotoSerif-Bold.ttf"]
SANS_BOLD = ["DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "NotoSans-Bold.ttf"]
PAPER = "#fffefb"
INK = "#1d1d1f"
CARD_CACHE_SECONDS = 60 * 60 * 24


# request.build_absolute_uri: og:image is on the page's own origin, like its og:url, and costs
# no query (publication_root would cost one on every page).
type Absolute = Callable[[str], str]


@dataclass(frozen=True)
class OgImage:
    url: str
    width: int | None
    height: int | None
    alt: str


def card_version(title: str, publication_name: str, accent_color: str) -> str:
    shown = "\n".join([title, publication_name, parse_accent(accent_color)])
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


@cache
def font_path(names: tuple[str, ...]) -> str | None:
    """The first of these fonts installed on the machine, or None."""
    for folder in FONT_DIRS:
        if folder.is_dir():
            for name in names:
                found = next(folder.rglob(name), None)
                if found is not None:
                    return str(found)
    return None


def load_font(names: list[str], size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path(tuple(names))
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def wrap_words(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Greedy wrapping by measured width; a word wider than a line is cut where it must be."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while draw.textlength(word, font=font) > width:
            cut = len(word) - 1
            while cut > 1 and draw.textlength(word[:cut], font=font) > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def wrap_title(draw: ImageDraw.ImageDraw, title: str) -> tuple[list[str], int]:
    """The title's lines and size: the largest size (76 down to 44 px) that needs at most four
    lines; a title longer still is cut with an ellipsis."""
    for size in (76, 68, 60, 52, 44):
        font = load_font(SERIF_BOLD, size)
        lines = wrap_words(draw, title, font, WIDTH - 2 * MARGIN)
        if len(lines) <= 4:
            return lines, size
    lines = lines[:4]
    lines[3] = lines[3].rstrip(" .,;:") + "…"
    return lines, 44


def draw_card(title: str, publication_name: str, accent_color: str) -> bytes:
    """The card as PNG bytes: the publication's name above the title (unless it is the title)."""
    accent = readable_on(parse_accent(accent_color), PAPER)
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 18), fill=accent)
    title = " ".join(title.split()) or publication_name
    if title != publication_name:
        name_font = load_font(SANS_BOLD, 34)
        draw.text((MARGIN, 80), publication_name[:60], font=name_font, fill=accent)
    lines, size = wrap_title(draw, title)
    title_font = load_font(SERIF_BOLD, size)
    line_height = int(size * 1.25)
    # Short titles sit lower, nearer the middle of the space under the name.
    top = 160 + (4 - len(lines)) * line_height // 2
    for number, line in enumerate(lines):
        draw.text((MARGIN, top + number * line_height), line, font=title_font, fill=INK)
    draw.rectangle((MARGIN, HEIGHT - 80, MARGIN + 120, HEIGHT - 72), fill=accent)
    output = BytesIO()
    image.save(output, "PNG", optimize=True)
    return output.getvalue()


def card_png(title: str, publication_name: str, accent_color: str) -> bytes:
    """Drawn once per version (about 50 ms), then served from the cache."""
    key = f"social-card:{card_version(title, publication_name, accent_color)}"
    png = django_cache.get(key)
    if png is None:
        png = draw_card(title, publication_name, accent_color)
        django_cache.set(key, png, CARD_CACHE_SECONDS)
    return png


def image_size(field_file) -> tuple[int, int] | None:
    """An uploaded image's size, read once from its header and then cached; None when the file
    is missing or unreadable, so a lost upload never breaks a page."""
    key = f"image-size:{field_file.name}"
    size = django_cache.get(key)
    if size is None:
        try:
            with field_file.storage.open(field_file.name) as opened:
                width, height = get_image_dimensions(opened)
        except (OSError, ValueError):
            return None
        if not width or not height:
            return None
        size = (width, height)
        django_cache.set(key, size, None)
    return tuple(size)


def uploaded_image(field_file, absolute: Absolute, alt: str) -> OgImage | None:
    if not field_file:
        return None
    size = image_size(field_file)
    if size is None:
        return None
    return OgImage(absolute(field_file.url), size[0], size[1], alt)


def home_card_title(publication) -> str:
    return publication.tagline or publication.name


def publication_og_image(publication, absolute: Absolute) -> OgImage:
    """The picture of the publication's pages: its social image, else its drawn card."""
    uploaded = uploaded_image(publication.social_image, absolute, publication.name)
    if uploaded is not None:
        return uploaded
    version = card_version(home_card_title(publication), publication.name, publication.accent_color)
    url = absolute(reverse("publications:social_card", args=[version]))
    return OgImage(url, WIDTH, HEIGHT, publication.name)


def post_og_image(post, publication, absolute: Absolute) -> OgImage:
    """A post's picture: its cover, else the publication's social image, else its drawn card."""
    for field_file in (post.cover_image, publication.social_image):
        uploaded = uploaded_image(field_file, absolute, post.title)
        if uploaded is not None:
            return uploaded
    version = card_version(post.title, publication.name, publication.accent_color)
    url = absolute(reverse("posts:social_card", args=[post.slug, version]))
    return OgImage(url, WIDTH, HEIGHT, f"{post.title} · {publication.name}")
