"""Writers' Markdown extensions: captioned images and galleries, footnotes, TeX math; and that
none of them lets hostile text through the sanitizer."""

import re

from masthead.core.rendering import parse_markdown, render_markdown, render_reader_markdown
from masthead.posts.paywall import split_at_paywall, top_level_blocks

# An element whose attributes run script: an on* handler or a javascript: address.
ACTIVE_ATTRIBUTE = re.compile(r"<[^>]*\s(?:on\w+\s*=|(?:href|src)\s*=\s*\"?\s*javascript:)", re.I)


# Captioned images and galleries -----------------------------------------------------------------


def test_an_image_with_a_title_alone_in_a_paragraph_is_a_captioned_figure():
    html = render_markdown('![A harbour](https://example.com/a.jpg "Boats at *dawn*")')

    assert html == (
        '<figure><img src="https://example.com/a.jpg" alt="A harbour">'
        "<figcaption>Boats at <em>dawn</em></figcaption></figure>\n"
    )


def test_an_image_without_a_title_stays_a_paragraph():
    html = render_markdown("![A harbour](https://example.com/a.jpg)")

    assert html == '<p><img src="https://example.com/a.jpg" alt="A harbour"></p>\n'


def test_an_image_with_a_title_inside_text_keeps_its_title_and_no_figure():
    html = render_markdown('See ![a](https://example.com/a.jpg "tip") here.')

    assert "<figure" not in html
    assert 'title="tip"' in html


def test_consecutive_images_in_one_paragraph_are_a_gallery_captioned_by_the_last_title():
    html = render_markdown(
        '![one](https://example.com/1.jpg)\n![two](https://example.com/2.jpg "Two boats")'
    )

    assert html.startswith(
        '<figure class="gallery"><img src="https://example.com/1.jpg" alt="one">'
    )
    assert html.count("<img") == 2
    assert html.endswith("<figcaption>Two boats</figcaption></figure>\n")


def test_a_gallery_without_titles_has_no_caption():
    html = render_markdown("![one](https://example.com/1.jpg) ![two](https://example.com/2.jpg)")

    assert html.startswith('<figure class="gallery">')
    assert "figcaption" not in html


def test_a_caption_cannot_carry_html():
    html = render_markdown(
        '![x](https://example.com/a.jpg "<script>alert(1)</script><img src=x onerror=alert(1)>")'
    )

    assert "<script" not in html
    assert ACTIVE_ATTRIBUTE.search(html) is None
    assert html.count("<img") == 1
    assert "<figcaption>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img" in html


def test_a_caption_link_to_javascript_is_not_a_link():
    html = render_markdown('![x](https://example.com/a.jpg "[click](javascript:alert(1))")')

    assert ACTIVE_ATTRIBUTE.search(html) is None
    assert "<a " not in html
    assert "<figcaption>[click](javascript:alert(1))</figcaption>" in html


def test_an_image_with_a_javascript_address_is_no_image():
    html = render_markdown('![x](javascript:alert(1) "caption")')

    assert "<img" not in html
    assert "<figure" not in html


def test_writers_cannot_add_classes_to_figures():
    html = render_markdown('![x](https://example.com/a.jpg "caption") {.evil}')

    assert 'class="evil"' not in html


def test_readers_images_stay_links_and_get_no_figure(settings):
    html = render_reader_markdown('![x](https://example.com/a.jpg "caption")')

    assert "<img" not in html
    assert "<figure" not in html
    assert '<a href="https://example.com/a.jpg"' in html


# Footnotes --------------------------------------------------------------------------------------


def test_footnotes_link_both_ways_with_prefixed_ids():
    html = render_markdown("A claim.[^src]\n\n[^src]: The source.\n")

    assert '<sup class="footnote-ref"><a href="#footnote-1" id="footnote-ref-1"' in html
    assert '<li id="footnote-1" class="footnote-item"><p>The source.' in html
    assert 'href="#footnote-ref-1" class="footnote-backref"' in html
    assert '<section class="footnotes">' in html


def test_a_footnote_referenced_twice_gets_two_back_links():
    html = render_markdown("One[^1] two[^1]\n\n[^1]: Note\n")

    assert 'id="footnote-ref-1"' in html
    assert 'id="footnote-ref-1-1"' in html
    assert 'href="#footnote-ref-1-1"' in html


def test_footnote_labels_never_become_ids():
    html = render_markdown("Text[^location]\n\n[^location]: Clobber attempt\n")

    ids = re.findall(r'id="([^"]*)"', html)
    assert ids == ["footnote-ref-1", "footnote-1"]


def test_a_footnote_without_definition_stays_text():
    html = render_markdown("Text[^missing]")

    assert html == "<p>Text[^missing]</p>\n"


def test_footnotes_are_one_block_for_the_paywall_cut():
    tokens = parse_markdown("First.[^1]\n\nSecond.\n\n[^1]: The note.\n")

    assert len(top_level_blocks(tokens)) == 3  # two paragraphs and the footnote section


def test_a_footnote_after_the_paywall_is_not_in_the_preview():
    split = split_at_paywall("Free.[^1]\n\n<!-- paywall -->\n\nPaid.\n\n[^1]: Secret note.\n")

    assert "Secret note" not in split.preview_html
    assert "Secret note" in split.rest_html


# Math -------------------------------------------------------------------------------------------


def test_inline_math_is_escaped_tex_in_a_span():
    html = render_markdown("Energy $E=mc^2 < x$ here.")

    assert html == '<p>Energy <span class="math">E=mc^2 &lt; x</span> here.</p>\n'


def test_block_math_is_escaped_tex_in_a_div():
    html = render_markdown("$$\n\\frac{a}{b} <script>\n$$\n")

    assert html == '<div class="math">\\frac{a}{b} &lt;script&gt;</div>\n'


def test_prices_are_not_math():
    html = render_markdown("It costs $5 and $10, or $5/$10 a month.")

    assert "math" not in html
    assert "$5 and $10" in html


def test_an_escaped_dollar_is_a_dollar():
    html = render_markdown(r"\$x\$ stays")

    assert html == "<p>$x$ stays</p>\n"


def test_math_labels_make_no_ids():
    html = render_markdown("$$\nx\n$$ (location)\n")

    assert "id=" not in html


# Unchanged behaviour ----------------------------------------------------------------------------


def test_raw_html_is_still_text():
    html = render_markdown('<div class="math" onclick="x()">hi</div>\n\n<section id="top">')

    assert "<div" not in html
    assert "<section" not in html
    assert "&lt;div" in html
