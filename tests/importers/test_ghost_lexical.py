"""Ghost's Lexical content (Ghost 5+) becomes Masthead Markdown that renders as it did."""

import json

import pytest

from masthead.core.rendering import render_markdown
from masthead.importers.ghost.lexical import lexical_to_markdown
from masthead.importers.ghost.writing import ContentError, Conversion
from tests.importers.ghost_export import (
    bullet_list,
    heading,
    lexical,
    lexical_link,
    paragraph,
    text,
)


def convert(*nodes: dict, site_url: str = "") -> tuple[str, Conversion]:
    conversion = Conversion(site_url=site_url)
    return lexical_to_markdown(lexical(*nodes), conversion), conversion


def markdown_of(*nodes: dict, **kwargs) -> str:
    return convert(*nodes, **kwargs)[0]


def test_text_formats_become_markdown_emphasis():
    markdown = markdown_of(
        paragraph(text("bold", 1), " ", text("italic", 2), " ", text("gone", 4), " ", text("x", 16))
    )
    assert markdown == "**bold** *italic* ~~gone~~ `x`"


def test_bold_italic_text_keeps_both():
    assert markdown_of(paragraph(text("both", 3))) == "***both***"


def test_spaces_inside_a_formatted_run_move_outside_its_markers():
    html = render_markdown(markdown_of(paragraph("a", text(" bold ", 1), "b")))
    assert "a <strong>bold</strong> b" in html


def test_underline_sub_and_superscript_keep_plain_text():
    assert markdown_of(paragraph(text("under", 8), text("2", 64))) == "under2"


def test_markdown_specials_in_text_are_escaped():
    markdown = markdown_of(paragraph("*not bold* [not a link](x) <b>tag</b> $5 a|b ~x~ &amp;"))
    html = render_markdown(markdown)
    assert "<strong>" not in html and "<em>" not in html and "<a " not in html
    assert "&lt;b&gt;tag&lt;/b&gt;" in html
    assert "&amp;amp;" in html


@pytest.mark.parametrize(
    "start", ["# Not a heading", "- not a list", "1. not a list", "> no", "+ x"]
)
def test_text_that_starts_like_a_block_stays_a_paragraph(start):
    html = render_markdown(markdown_of(paragraph(start)))
    assert html.startswith("<p>")
    assert start.split(" ", 1)[1] in html


def test_a_line_break_starting_like_a_list_does_not_start_one():
    node = paragraph("Intro", {"type": "linebreak"}, "- item", {"type": "linebreak"}, "---")
    html = render_markdown(markdown_of(node))
    assert "<ul>" not in html and "<h2>" not in html and "<br" in html


def test_headings_keep_their_level():
    assert markdown_of(heading("h3", "Three"), heading("h1", "One")) == "### Three\n\n# One"


def test_a_heading_ending_with_a_hash_keeps_it():
    assert "C#" in render_markdown(markdown_of(heading("h2", "Learning C#")))


def test_quote_and_aside_become_blockquotes():
    markdown = markdown_of(
        {"type": "quote", "children": [text("Quoted")]},
        {"type": "aside", "children": [text("Pulled")]},
    )
    assert markdown == "> Quoted\n\n> Pulled"


def test_links_wrap_their_formatted_text():
    markdown = markdown_of(paragraph(lexical_link("https://example.com/a b", text("here", 1))))
    assert markdown == "[**here**](https://example.com/a%20b)"


def test_a_link_with_parentheses_in_its_address_stays_whole():
    html = render_markdown(markdown_of(paragraph(lexical_link("https://example.com/a_(b)", "w"))))
    assert 'href="https://example.com/a_%28b%29"' in html


def test_ghost_url_links_point_at_the_site_or_this_site():
    node = paragraph(lexical_link("__GHOST_URL__/other-post/", "other"))
    assert markdown_of(node, site_url="https://old.example.com") == (
        "[other](https://old.example.com/other-post/)"
    )
    assert markdown_of(node) == "[other](/other-post/)"


def test_nested_lists_indent_under_their_item():
    nested = bullet_list(["inner"], list_type="number")
    markdown = markdown_of(bullet_list(["outer"], [nested], ["last"]))
    assert markdown == "- outer\n  1. inner\n- last"
    html = render_markdown(markdown)
    assert html.count("<ul>") == 1 and html.count("<ol>") == 1


def test_numbered_list_keeps_its_start():
    node = bullet_list(["a"], ["b"], list_type="number") | {"start": 3}
    assert markdown_of(node) == "3. a\n4. b"


def test_image_card_is_a_captioned_image_and_is_listed():
    markdown, conversion = convert(
        {
            "type": "image",
            "src": "https://cdn.example.com/a.png",
            "alt": "Alt",
            "caption": '<b>Cap</b> "q"',
        }
    )
    assert markdown == '![Alt](https://cdn.example.com/a.png "Cap \\"q\\"")'
    assert conversion.image_urls == ["https://cdn.example.com/a.png"]


def test_image_on_the_ghost_site_uses_the_site_address():
    markdown, conversion = convert(
        {"type": "image", "src": "__GHOST_URL__/content/images/a.png"},
        site_url="https://old.example.com",
    )
    assert markdown == "![](https://old.example.com/content/images/a.png)"
    assert conversion.image_urls == ["https://old.example.com/content/images/a.png"]


def test_image_on_the_ghost_site_without_an_address_is_kept_with_a_note():
    markdown, conversion = convert({"type": "image", "src": "__GHOST_URL__/content/images/a.png"})
    assert "__GHOST_URL__/content/images/a.png" in markdown
    assert conversion.image_urls == []
    assert any("address" in note for note in conversion.notes)


def test_gallery_images_share_one_paragraph():
    markdown = markdown_of(
        {
            "type": "gallery",
            "images": [
                {"src": "https://e.example.com/1.png"},
                {"src": "https://e.example.com/2.png"},
            ],
            "caption": "Two",
        }
    )
    assert markdown == "![](https://e.example.com/1.png)\n![](https://e.example.com/2.png)\n\nTwo"


def test_markdown_card_is_kept_and_its_images_listed():
    markdown, conversion = convert(
        {"type": "markdown", "markdown": "Some *md*\n\n![x](https://e.example.com/m.png)"}
    )
    assert markdown == "Some *md*\n\n![x](https://e.example.com/m.png)"
    assert conversion.image_urls == ["https://e.example.com/m.png"]


def test_html_card_is_converted_not_kept_raw():
    markdown = markdown_of(
        {"type": "html", "html": "<p>Hi <strong>there</strong></p><script>x()</script>"}
    )
    assert "<" not in markdown
    assert "**there**" in markdown


def test_code_block_keeps_its_language_and_backticks():
    markdown = markdown_of({"type": "codeblock", "code": "a ``` b\n", "language": "js"})
    assert markdown == "````js\na ``` b\n````"


def test_paywall_card_becomes_the_paywall_marker():
    assert markdown_of(paragraph("free"), {"type": "paywall"}, paragraph("paid")) == (
        "free\n\n<!-- paywall -->\n\npaid"
    )


def test_signup_card_becomes_a_subscribe_link():
    assert markdown_of({"type": "signup", "header": "Join"}) == "[Subscribe](/subscribe/)"


def test_email_only_cards_are_dropped_with_a_note():
    markdown, conversion = convert(
        {"type": "email", "html": "<p>Only in email</p>"}, paragraph("web")
    )
    assert markdown == "web"
    assert conversion.notes


def test_bookmark_and_embed_become_links():
    markdown = markdown_of(
        {"type": "bookmark", "url": "https://example.com/x", "metadata": {"title": "X page"}},
        {"type": "embed", "url": "https://video.example.com/v", "html": "<iframe></iframe>"},
    )
    assert "[X page](https://example.com/x)" in markdown
    assert "(https://video.example.com/v)" in markdown and "iframe" not in markdown


def test_button_callout_toggle_and_rule():
    markdown = markdown_of(
        {"type": "button", "buttonText": "Go", "buttonUrl": "https://example.com/go"},
        {"type": "callout", "calloutEmoji": "💡", "calloutText": "<p>Tip</p>"},
        {"type": "toggle", "heading": "<span>Q?</span>", "content": "<p>A.</p>"},
        {"type": "horizontalrule"},
    )
    assert markdown.split("\n\n") == [
        "[Go](https://example.com/go)",
        "> 💡 Tip",
        "**Q?**",
        "A.",
        "---",
    ]


def test_video_and_audio_become_links_to_their_files():
    markdown = markdown_of(
        {"type": "video", "src": "https://e.example.com/v.mp4"},
        {"type": "audio", "src": "https://e.example.com/a.mp3", "title": "Episode"},
    )
    assert (
        markdown == "[video](https://e.example.com/v.mp4)\n\n[Episode](https://e.example.com/a.mp3)"
    )


def test_unknown_card_keeps_its_text_and_adds_a_note():
    markdown, conversion = convert({"type": "mystery", "text": "Still here", "color": "red"})
    assert markdown == "Still here"
    assert any("mystery" in note for note in conversion.notes)


def test_unknown_inline_node_keeps_its_text():
    markdown, conversion = convert(paragraph("a ", {"type": "emoji", "text": "🙂"}))
    assert markdown == "a 🙂"
    assert conversion.notes


def test_empty_paragraphs_are_dropped():
    assert markdown_of(paragraph(), paragraph("x"), paragraph()) == "x"


def test_deeply_nested_lists_do_not_recurse_forever():
    node = bullet_list(["leaf"])
    for _ in range(500):
        node = bullet_list([node])
    markdown, conversion = convert(node)
    assert "leaf" in markdown
    assert conversion.notes


@pytest.mark.parametrize("source", ["not json", "[]", '{"root": 3}', "[" * 100_000])
def test_unreadable_content_raises_content_error(source):
    with pytest.raises(ContentError):
        lexical_to_markdown(source, Conversion())


def test_wrong_types_everywhere_are_tolerated():
    document = {
        "root": {
            "children": [
                {"type": "paragraph", "children": "nope"},
                {
                    "type": "heading",
                    "tag": 5,
                    "children": [{"type": "text", "text": 7, "format": "x"}],
                },
                {"type": "list", "children": [{"children": None}, 3]},
                {"type": "image", "src": ["x"]},
                "string",
                None,
            ]
        }
    }
    assert isinstance(lexical_to_markdown(json.dumps(document), Conversion()), str)


def test_call_to_action_keeps_its_words_and_button():
    markdown = markdown_of(
        {
            "type": "call-to-action",
            "textValue": "<p>Support us</p>",
            "buttonText": "Donate",
            "buttonUrl": "https://example.com/give",
            "showButton": True,
        }
    )
    assert markdown == "Support us\n\n[Donate](https://example.com/give)"


def test_an_embed_without_a_title_links_its_address():
    markdown = markdown_of(
        {"type": "embed", "url": "https://x.example.com/1", "embedType": "twitter"}
    )
    assert markdown == "[https://x.example.com/1](https://x.example.com/1)"


def test_emphasis_commonmark_would_not_open_keeps_the_words_without_stray_stars():
    html = render_markdown(markdown_of(paragraph("say", text('"this"', 1), "now")))
    assert "this" in html and "*" not in html


def test_formats_nest_across_runs():
    markdown = markdown_of(paragraph(text("bold ", 1), text("both", 3), " plain"))
    assert markdown == "**bold *both*** plain"


def test_an_exclamation_mark_before_a_link_does_not_make_an_image():
    html = render_markdown(
        markdown_of(paragraph("Wow!", lexical_link("https://e.example.com/", "x")))
    )
    assert "<img" not in html and "Wow!" in html


def test_code_spans_side_by_side_stay_one_code_span():
    html = render_markdown(markdown_of(paragraph(text("a", 16), text("b", 17))))
    assert "<code>ab</code>" in html


def test_html_the_parser_rejects_keeps_its_words():
    markdown, _ = convert(
        {"type": "image", "src": "https://e.example.com/a.png", "caption": "<![<p>Cap</p>"},
        {"type": "html", "html": "<![<p>after</p>"},
    )
    assert "Cap" in markdown and "after" in markdown
