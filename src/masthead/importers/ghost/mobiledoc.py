"""Ghost's Mobiledoc documents (Ghost 4 and older) as Masthead Markdown.

A Mobiledoc is `{"version", "markups", "atoms", "cards", "sections"}`. Sections are markup
sections `[1, tag, markers]`, image sections `[2, src]`, list sections `[3, tag, items]` and
card sections `[10, card_index]`; markers `[kind, opened_markups, closed_count, value]` open
markups (by index) before their text and close the innermost ones after it.
"""

import json

from masthead.importers.ghost.cards import render_card
from masthead.importers.ghost.values import int_of, text_of
from masthead.importers.ghost.writing import (
    ContentError,
    Conversion,
    Run,
    heading,
    image,
    join_blocks,
    list_block,
    quote_block,
    render_runs,
)

_FORMATS = {
    "strong": "bold",
    "b": "bold",
    "em": "italic",
    "i": "italic",
    "s": "strike",
    "strike": "strike",
    "del": "strike",
    "code": "code",
}


def mobiledoc_to_markdown(source: str, conversion: Conversion) -> str:
    try:
        document = json.loads(source)
    except (ValueError, RecursionError) as error:
        raise ContentError(f"its Mobiledoc content is not JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("sections"), list):
        raise ContentError("its Mobiledoc content has no sections")
    reader = _Document(document, conversion)
    return join_blocks([reader.section(section) for section in document["sections"]])


def _lists(value: object) -> list[list]:
    return [item for item in value if isinstance(item, list)] if isinstance(value, list) else []


class _Document:
    def __init__(self, document: dict, conversion: Conversion):
        self.markups = _lists(document.get("markups"))
        self.atoms = _lists(document.get("atoms"))
        self.cards = _lists(document.get("cards"))
        self.conversion = conversion

    def section(self, section: object) -> str:
        if not isinstance(section, list) or not section:
            return ""
        kind = int_of(section[0], -1)
        if kind == 1 and len(section) >= 3:
            return self._markup_section(text_of(section[1]).lower(), section[2])
        if kind == 2 and len(section) >= 2:
            src = text_of(section[1]).strip()
            return image(self.conversion.image_url(src)) if src else ""
        if kind == 3 and len(section) >= 3:
            items = [render_runs(self._runs(markers)) for markers in _lists(section[2])]
            is_ordered = text_of(section[1]).lower() == "ol"
            return list_block([item for item in items if item], is_ordered=is_ordered)
        if kind == 10 and len(section) >= 2:
            return self._card(int_of(section[1], -1))
        self.conversion.note("A part of a post in an unknown Mobiledoc form was left out.")
        return ""

    def _markup_section(self, tag: str, markers: object) -> str:
        runs = self._runs(markers)
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            return heading(int(tag[1]), runs)
        if tag in ("blockquote", "aside", "pull-quote"):
            return quote_block(render_runs(runs))
        if tag != "p":
            self.conversion.note(f"A “{tag}” section became a paragraph.")
        return render_runs(runs)

    def _card(self, index: int) -> str:
        if not 0 <= index < len(self.cards) or not self.cards[index]:
            self.conversion.note("A card the post refers to is missing from its content.")
            return ""
        card = self.cards[index]
        name = text_of(card[0])
        payload = card[1] if len(card) > 1 and isinstance(card[1], dict) else {}
        return render_card(name or "unnamed", payload, self.conversion)

    def _runs(self, markers: object) -> list[Run]:
        runs: list[Run] = []
        open_markups: list[list] = []
        for marker in _lists(markers):
            if len(marker) < 4:
                continue
            kind, opened, closed, value = marker[:4]
            for index in opened if isinstance(opened, list) else []:
                position = int_of(index, -1)
                markup = self.markups[position] if 0 <= position < len(self.markups) else []
                open_markups.append(markup)
            formats, href = self._formats(open_markups)
            if int_of(kind) == 1:
                runs.append(self._atom(int_of(value, -1), formats, href))
            else:
                runs.append(Run(text_of(value), formats, href))
            del open_markups[max(0, len(open_markups) - max(0, int_of(closed))) :]
        return runs

    def _formats(self, open_markups: list[list]) -> tuple[frozenset[str], str | None]:
        formats: set[str] = set()
        href: str | None = None
        for markup in open_markups:
            tag = text_of(markup[0]).lower() if markup else ""
            if tag in _FORMATS:
                formats.add(_FORMATS[tag])
            elif tag == "a" and len(markup) > 1 and isinstance(markup[1], list):
                attributes = markup[1]
                for name, value in zip(attributes[::2], attributes[1::2], strict=False):
                    if name == "href" and href is None:
                        href = self.conversion.link_url(text_of(value)) or None
        return frozenset(formats), href

    def _atom(self, index: int, formats: frozenset[str], href: str | None) -> Run:
        atom = self.atoms[index] if 0 <= index < len(self.atoms) else []
        name = text_of(atom[0]) if atom else ""
        if name == "soft-return":
            return Run(is_break=True)
        self.conversion.note(f"A “{name or 'unknown'}” atom was kept as its text.")
        return Run(text_of(atom[1]) if len(atom) > 1 else "", formats, href)
