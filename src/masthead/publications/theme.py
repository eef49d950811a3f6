"""A publication's accent colour as the site's stylesheet uses it, readable in light and dark mode.

Writers pick any colour; a pale yellow on the light page, or a dark red on the dark one, would
make links and buttons unreadable. So each mode gets the writer's colour moved towards black or
white until it reaches WCAG's 4.5:1 against that mode's background, and button text is whichever
of white or near-black reads better on it.
"""

import re
from dataclasses import dataclass

DEFAULT_ACCENT = "#b4431b"
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# site.css's backgrounds and text colours of the two modes.
LIGHT_BG = "#fffefb"
DARK_BG = "#171716"
LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#171716"
MIN_CONTRAST = 4.5

RGB = tuple[int, int, int]


def parse_accent(value: str) -> str:
    """The colour as #rrggbb in lower case; anything else (never trusted into CSS) is the default."""
    value = (value or "").strip()
    return value.lower() if HEX_COLOR.match(value) else DEFAULT_ACCENT


def to_rgb(color: str) -> RGB:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(channel):02x}" for channel in rgb)


def luminance(rgb: RGB) -> float:
    def linear(channel: float) -> float:
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(to_rgb(first)), luminance(to_rgb(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on(color: str, background: str) -> str:
    """`color` mixed towards black or white (whichever the background is not) until readable."""
    towards = 0 if luminance(to_rgb(background)) > 0.5 else 255
    start = to_rgb(color)
    for step in range(21):
        share = step / 20
        mixed = to_hex(tuple(channel + (towards - channel) * share for channel in start))
        if contrast(mixed, background) >= MIN_CONTRAST:
            return mixed
    return to_hex((towards,) * 3)


def text_on(color: str) -> str:
    return max((LIGHT_TEXT, DARK_TEXT), key=lambda text: contrast(text, color))


@dataclass(frozen=True)
class Palette:
    light_accent: str
    light_accent_text: str
    dark_accent: str
    dark_accent_text: str

    @property
    def css(self) -> str:
        return (
            f":root {{ --accent: {self.light_accent}; --accent-text: {self.light_accent_text}; }}\n"
            "@media (prefers-color-scheme: dark) {\n"
            f"  :root {{ --accent: {self.dark_accent}; --accent-text: {self.dark_accent_text}; }}\n"
            "}\n"
        )


def palette_for(accent_color: str) -> Palette:
    accent = parse_accent(accent_color)
    light = readable_on(accent, LIGHT_BG)
    dark = readable_on(accent, DARK_BG)
    return Palette(light, text_on(light), dark, text_on(dark))


def theme_version(accent_color: str) -> str:
    """The colour itself names the stylesheet's version: a new colour, a new address."""
    return parse_accent(accent_color)[1:]


def has_default_accent(accent_color: str) -> bool:
    """site.css already carries the default's colours, so such pages need no theme stylesheet."""
    return parse_accent(accent_color) == DEFAULT_ACCENT
