"""Ghost's Mobiledoc content (Ghost 4 and older) becomes Masthead Markdown."""

import json

import pytest

from masthead.core.rendering import render_markdown
from masthead.importers.ghost.mobiledoc import mobiledoc_to_markdown
from masthead.importers.ghost.writing import ContentError, Conversion
from tests.importers.ghost_export import mobiledoc, mobiledoc_body


def convert(sections, site_url: str = "", **parts) -> tuple[str, Conversion]:
    conversion = Conversion(site_url=site_url)
    return mobiledoc_to_markdown(mobiledoc(sections, **parts), conversion), conversion


def markdown_of(sections, **parts) -> str:
    return convert(sections, **parts)[0]


def test_markups_open_and_close_around_markers():
    markers = [[0, [0], 0, "bold "], [0, [1], 2, "both"], [0, [], 0, " plain"]]
    markdown = markdown_of([[1, "p", markers]], markups=[["strong"], ["em"]])
    assert markdown == "**bold *both*** plain"
    assert "<strong>bold <em>both</em></strong> plain" in render_markdown(markdown)


def test_links_come_from_the_a_markup_href():
    markers = [[0, [0], 1, "site"]]
    markdown = markdown_of(
        [[1, "p", markers]], markups=[["a", ["rel", "x", "href", "https://example.com/"]]]
    )
    assert markdown == "[site](https://example.com/)"


def test_ghost_url_links_without_a_site_address_become_paths():
    markdown = markdown_of(
        [[1, "p", [[0, [0], 1, "other"]]]], markups=[["a", ["href", "__GHOST_URL__/other/"]]]
    )
    assert markdown == "[other](/other/)"


def test_soft_return_atoms_are_line_breaks():
    markers = [[0, [], 0, "one"], [1, [], 0, 0], [0, [], 0, "two"]]
    markdown = markdown_of([[1, "p", markers]], atoms=[["soft-return", "", {}]])
    assert markdown == "one\\\ntwo"


def test_unknown_atoms_keep_their_text_with_a_note():
    markdown, conversion = convert([[1, "p", [[1, [], 0, 0]]]], atoms=[["mention", "@ada", {}]])
    assert markdown == "@ada"
    assert conversion.notes


def test_headings_quotes_and_asides():
    markdown = markdown_of(
        [
            [1, "h3", [[0, [], 0, "Title"]]],
            [1, "blockquote", [[0, [], 0, "Quoted"]]],
            [1, "aside", [[0, [], 0, "Pulled"]]],
        ]
    )
    assert markdown == "### Title\n\n> Quoted\n\n> Pulled"


def test_list_sections_become_lists():
    items = [[[0, [], 0, "a"]], [[0, [], 0, "b"]]]
    assert markdown_of([[3, "ol", items]]) == "1. a\n2. b"
    assert markdown_of([[3, "ul", items]]) == "- a\n- b"


def test_image_section_is_an_image():
    markdown, conversion = convert([[2, "https://e.example.com/i.png"]])
    assert markdown == "![](https://e.example.com/i.png)"
    assert conversion.image_urls == ["https://e.example.com/i.png"]


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (["hr", {}], "---"),
        (["paywall", {}], "<!-- paywall -->"),
        (["markdown", {"markdown": "*kept*"}], "*kept*"),
        (["card-markdown", {"markdown": "*old*"}], "*old*"),
        (["code", {"code": "x = 1", "language": "py"}], "```py\nx = 1\n```"),
        (
            ["button", {"buttonText": "Go", "buttonUrl": "https://e.example.com"}],
            "[Go](https://e.example.com)",
        ),
        (
            ["image", {"src": "https://e.example.com/a.png", "caption": "Cap"}],
            '![](https://e.example.com/a.png "Cap")',
        ),
    ],
)
def test_cards(card, expected):
    assert markdown_of([[10, 0]], cards=[card]) == expected


def test_html_card_never_keeps_raw_html():
    markdown = markdown_of(
        [[10, 0]], cards=[["html", {"html": "<div><p>Words</p><iframe></iframe></div>"}]]
    )
    assert "<" not in markdown and "Words" in markdown


def test_a_missing_card_is_a_note_not_an_error():
    markdown, conversion = convert([[10, 7], [1, "p", [[0, [], 0, "after"]]]])
    assert markdown == "after"
    assert conversion.notes


def test_unknown_card_keeps_its_text():
    markdown, conversion = convert([[10, 0]], cards=[["nft", {"title": "A token"}]])
    assert markdown == "A token"
    assert any("nft" in note for note in conversion.notes)


def test_the_builders_body_renders_every_part():
    conversion = Conversion()
    markdown = mobiledoc_to_markdown(mobiledoc_body(3, "https://img.example.com"), conversion)
    assert markdown.split("\n\n") == [
        "Hello **bold** and *italic* from [our site](https://example.com/about/).",
        "## Part 3",
        "- first\n- second",
        '![A chart](https://img.example.com/post-3.png "Figure 1")',
        "<!-- paywall -->",
        "For paying readers.",
        "```python\nprint('hi')\n```",
    ]
    assert conversion.image_urls == ["https://img.example.com/post-3.png"]


@pytest.mark.parametrize("source", ["{", "[]", '{"sections": 3}', "null"])
def test_unreadable_content_raises_content_error(source):
    with pytest.raises(ContentError):
        mobiledoc_to_markdown(source, Conversion())


def test_wrong_types_everywhere_are_tolerated():
    document = {
        "markups": [None, ["a", "not-a-list"], []],
        "atoms": [5],
        "cards": [[], [None, None]],
        "sections": [
            [1, None, [[0, [0, 1, 2, 99, "x"], "2", None], [1, [], 0, 9], [0]]],
            [3, "ul", "items"],
            [10, "0"],
            [10, 1],
            [99],
            [],
            "x",
        ],
    }
    assert isinstance(mobiledoc_to_markdown(json.dumps(document), Conversion()), str)
