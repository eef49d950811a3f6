"""Generic post HTML to Masthead Markdown (importers.markup): structure, escaping, images,
embeds, and that whatever the HTML, the rendered Markdown runs no script."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.core.rendering import render_markdown
from masthead.importers.markup import html_to_markdown, rewrite_image_urls

ACTIVE_ATTRIBUTE = re.compile(r"<[^>]*\s(?:on\w+\s*=|(?:href|src)\s*=\s*\"?\s*javascript:)", re.I)


def markdown_of(html: str) -> str:
    return html_to_markdown(html).markdown


def test_headings_paragraphs_and_emphasis():
    markdown = markdown_of("<h2>Title</h2><p>Some <strong>bold</strong> and <em>slanted</em>.</p>")

    assert markdown == "## Title\n\nSome **bold** and *slanted*.\n"


def test_links_keep_their_address_and_unsafe_ones_keep_only_their_text():
    markdown = markdown_of(
        '<p><a href="https://example.com/a b">safe</a> <a href="javascript:alert(1)">bad</a></p>'
    )

    assert markdown == "[safe](https://example.com/a%20b) bad\n"


def test_nested_lists_and_ordered_start():
    markdown = markdown_of(
        '<ul><li>one<ul><li>inner</li></ul></li><li>two</li></ul><ol start="4"><li>four</li></ol>'
    )

    assert markdown == "- one\n  - inner\n- two\n\n4. four\n"


def test_blockquote_hr_and_line_break():
    markdown = markdown_of("<blockquote><p>Quoted</p></blockquote><hr><p>a<br>b</p>")

    assert markdown == "> Quoted\n\n---\n\na\\\nb\n"
    assert "<br>" in render_markdown(markdown)


def test_code_blocks_keep_their_language_and_any_backticks():
    markdown = markdown_of(
        '<pre><code class="language-python">print("```")\n</code></pre><p>Use <code>a*b</code></p>'
    )

    assert markdown == '````python\nprint("```")\n````\n\nUse `a*b`\n'
    assert '<code class="language-python">' in render_markdown(markdown)


def test_tables_become_markdown_tables():
    html = render_markdown(
        markdown_of("<table><tr><th>a</th><th>b</th></tr><tr><td>1|2</td><td>3</td></tr></table>")
    )

    assert "<th>a</th>" in html
    assert "<td>1|2</td>" in html


def test_markdown_characters_in_text_stay_text():
    text = "*not bold* _no_ [x](y) `tick` # hash $x$ 1. <b> &amp; | ~~s~~ > q"
    html = render_markdown(markdown_of(f"<p>{text.replace('&', '&amp;').replace('<', '&lt;')}</p>"))

    assert html == (
        "<p>*not bold* _no_ [x](y) `tick` # hash $x$ 1. &lt;b&gt; &amp;amp; | ~~s~~ &gt; q</p>\n"
    )


def test_a_paragraph_starting_like_a_list_or_heading_stays_a_paragraph():
    html = render_markdown(markdown_of("<p>1986. A year</p><p># not a heading</p><p>- dash</p>"))

    assert html == "<p>1986. A year</p>\n<p># not a heading</p>\n<p>- dash</p>\n"


def test_a_paywall_comment_becomes_the_paywall_line_and_text_about_it_does_not():
    markdown = markdown_of(
        "<p>Free</p><!--members-only--><p>Paid</p><p>&lt;!-- paywall --&gt; as text</p>"
    )

    assert markdown.split("\n\n")[1] == "<!-- paywall -->"
    assert "\\<!-- paywall --\\> as text" in markdown


def test_images_are_collected_in_order_without_repeats():
    converted = html_to_markdown(
        '<p><img src="https://e.com/b.png" alt="B"></p><img src="https://e.com/a.png">'
        '<img src="https://e.com/b.png"><img src="/local.png">'
    )

    assert converted.image_urls == ["https://e.com/b.png", "https://e.com/a.png"]
    assert any("relative address" in note for note in converted.notes)


def test_a_figure_with_a_caption_becomes_a_captioned_image():
    converted = html_to_markdown(
        '<figure><img src="https://e.com/a.jpg" alt="Alt"><figcaption>The <em>"port"</em>'
        "</figcaption></figure>"
    )

    assert converted.markdown == '![Alt](https://e.com/a.jpg "The *\\"port\\"*")\n'
    assert render_markdown(converted.markdown) == (
        '<figure><img src="https://e.com/a.jpg" alt="Alt">'
        '<figcaption>The <em>"port"</em></figcaption></figure>\n'
    )


def test_a_caption_with_markdown_characters_keeps_them_as_text():
    markdown = markdown_of(
        '<figure><img src="https://e.com/a.jpg"><figcaption>2 * 3 \\ [x]</figcaption></figure>'
    )

    assert "<figcaption>2 * 3 \\ [x]</figcaption>" in render_markdown(markdown)


def test_a_figure_of_several_images_becomes_a_gallery():
    html = render_markdown(
        markdown_of(
            '<figure><img src="https://e.com/1.jpg"><img src="https://e.com/2.jpg">'
            "<figcaption>Both</figcaption></figure>"
        )
    )

    assert html.startswith('<figure class="gallery">')
    assert html.count("<img") == 2
    assert "<figcaption>Both</figcaption>" in html


def test_unsafe_and_inline_data_images_are_dropped_with_a_note():
    converted = html_to_markdown(
        '<img src="javascript:alert(1)"><img src="data:image/png;base64,AAAA" alt="x">'
    )

    assert "javascript" not in converted.markdown
    assert "data:" not in converted.markdown
    assert converted.image_urls == []
    assert len(converted.notes) == 2


def test_embeds_become_links_with_a_note():
    converted = html_to_markdown(
        '<iframe src="https://video.example.com/embed/1"></iframe>'
        '<video><source src="https://e.com/v.mp4"></video><audio src="https://e.com/a.mp3"></audio>'
    )

    assert converted.markdown == (
        "[Embedded content (video.example.com)](https://video.example.com/embed/1)\n\n"
        "[Video (e.com)](https://e.com/v.mp4)\n\n[Audio (e.com)](https://e.com/a.mp3)\n"
    )
    assert "an embedded iframe from video.example.com was kept as a link" in converted.notes


def test_scripts_styles_and_forms_are_dropped():
    converted = html_to_markdown(
        "<script>alert(1)</script><style>p{}</style><form><input value=x>Sign</form><p>Kept</p>"
    )

    assert converted.markdown == "Kept\n"
    assert converted.notes == ["a form was left out"]


def test_unknown_tags_are_unwrapped():
    assert markdown_of("<custom-card><p>Inside <mark>marked</mark></p></custom-card>") == (
        "Inside marked\n"
    )


def test_broken_html_does_not_raise():
    for html in ["<p><b>unclosed", "</div></p>", "<table><td>x", '<ol start="²"><li>a',
                 '<table><tr><td colspan="²">x</td></tr></table>', "<li>stray", "<a href>",
                 "<img>", "<!-->", "<![CDATA[x]]>", "<?php echo 1 ?>", "<pre></pre>"]:  # fmt: skip
        html_to_markdown(html)


def test_deeply_nested_html_falls_back_to_text():
    converted = html_to_markdown("<div>" * 5000 + "deep words" + "</div>" * 5000)

    assert "deep words" in converted.markdown


def test_rewrite_image_urls_changes_images_only():
    markdown = (
        '![a](https://e.com/a.png "cap") [link](https://e.com/a.png)\n\n'
        "```\n![a](https://e.com/a.png)\n```\n"
    )

    rewritten = rewrite_image_urls(markdown, {"https://e.com/a.png": "/media/imported/a b.png"})

    assert rewritten == (
        '![a](/media/imported/a%20b.png "cap") [link](https://e.com/a.png)\n\n'
        "```\n![a](https://e.com/a.png)\n```\n"
    )


def test_rewrite_image_urls_uses_the_addresses_the_converter_reported():
    converted = html_to_markdown('<img src="https://e.com/ä b.png" alt="x">')

    rewritten = rewrite_image_urls(converted.markdown, {converted.image_urls[0]: "/media/c.png"})

    assert rewritten == "![x](/media/c.png)\n"


HOSTILE_PIECES = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">j</a>',
    '<a href=" JaVaScRiPt:alert(1)">j</a>', '<img src="javascript:alert(1)" alt="a">',
    '<iframe src="javascript:alert(1)"></iframe>', '<svg onload="alert(1)">', "<p>", "</p>", "<b>",
    "<figure>", "<figcaption>", "</figure>", '<img src="https://e.com/a.png" title="t">',
    "<pre><code>", "</code></pre>", "<ul><li>", "<table><tr><td>", "[x](javascript:alert(1))",
    '![x](javascript:alert(1) "c")', "`", "*", "_", "$", "[^1]", "[^1]: note", "<!-- paywall -->",
    "<!--members-only-->", "\\", "&lt;script&gt;", '"', "\n", "  ", "<br>", "<h1>", "# ",
    '<a href="https://e.com/" onclick="x()">ok</a>', "<math><mi>x</mi></math>", "<style>",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=12)), max_size=25))
def test_converted_markdown_never_renders_active_content(pieces):
    converted = html_to_markdown("".join(pieces))

    html = render_markdown(converted.markdown)

    assert "<script" not in html.lower()
    assert "<iframe" not in html.lower()
    assert ACTIVE_ATTRIBUTE.search(html) is None
    assert all(url.startswith(("http://", "https://")) for url in converted.image_urls)


def test_the_active_content_check_catches_what_it_looks_for():
    assert ACTIVE_ATTRIBUTE.search('<img src="x" onerror="a()">')
    assert ACTIVE_ATTRIBUTE.search('<a href="javascript:x()">')
