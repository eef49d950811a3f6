"""Substack post bodies to Masthead Markdown (importers.substack_markup), block by block, and
the result through the renderer and the paywall cut."""

import json
import re
from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.core.rendering import render_markdown
from masthead.importers.substack_markup import substack_html_to_markdown, unwrap_substack_cdn
from masthead.posts.paywall import split_at_paywall

ORIGINAL = "https://substack-post-media.s3.amazonaws.com/public/images/abc.jpeg"
CDN = (
    "https://substackcdn.com/image/fetch/w_1456,c_limit,f_auto,q_auto:good,fl_progressive:steep/"
    "https%3A%2F%2Fsubstack-post-media.s3.amazonaws.com%2Fpublic%2Fimages%2Fabc.jpeg"
)


def attrs(value) -> str:
    """data-attrs as Substack writes it: JSON, HTML-escaped."""
    return escape(json.dumps(value), quote=True)


def captioned_image(src: str = CDN, alt: str = "A harbour", caption: str = "Caption <em>text</em>"):
    return (
        '<div class="captioned-image-container"><figure>'
        f'<a class="image-link image2 is-viewable-img" target="_blank" href="{src}" '
        'data-component-name="Image2ToDOM"><div class="image2-inset"><picture>'
        f'<source type="image/webp" srcset="{src} 424w"><img src="{src}" alt="{alt}" width="1456">'
        '</picture><div class="image-link-expand"><div class="pencraft"></div></div></div></a>'
        f'<figcaption class="image-caption">{caption}</figcaption></figure></div>'
    )


PAYWALL = '<div class="paywall-jump" data-component-name="PaywallToDOM"></div>'


def button(url: str, text: str) -> str:
    data = attrs({"url": url, "text": text, "action": None, "class": None})
    return (
        f'<p class="button-wrapper" data-attrs="{data}" data-component-name="ButtonCreateButton">'
        f'<a class="button primary" href="{escape(url)}"><span>{text}</span></a></p>'
    )


def convert(html: str):
    return substack_html_to_markdown(html)


# Images -----------------------------------------------------------------------------------------


def test_unwrap_substack_cdn_gives_the_original_address():
    assert unwrap_substack_cdn(CDN) == ORIGINAL
    assert unwrap_substack_cdn("https://example.com/a.png") == "https://example.com/a.png"


def test_a_captioned_image_becomes_a_captioned_figure_of_the_original_image():
    converted = convert(captioned_image())

    assert converted.markdown == f'![A harbour]({ORIGINAL} "Caption *text*")\n'
    assert converted.image_urls == [ORIGINAL]
    assert render_markdown(converted.markdown) == (
        f'<figure><img src="{ORIGINAL}" alt="A harbour">'
        "<figcaption>Caption <em>text</em></figcaption></figure>\n"
    )


def test_a_caption_with_a_script_is_text():
    converted = convert(captioned_image(caption="<script>alert(1)</script>Boats &lt;b&gt;"))

    html = render_markdown(converted.markdown)
    assert "<script" not in html
    assert "<figcaption>Boats &lt;b&gt;</figcaption>" in html


def test_a_gallery_from_data_attrs_becomes_a_captioned_gallery():
    data = attrs({"gallery": {"images": [{"type": "image/jpeg", "src": "https://e.com/1.jpg"},
                                         {"type": "image/jpeg", "src": "https://e.com/2.jpg"}],
                              "caption": "Two *boats*", "alt": ""}})  # fmt: skip
    converted = convert(f'<div class="image-gallery-embed" data-attrs="{data}"></div>')

    assert converted.markdown == (
        '![](https://e.com/1.jpg)\n![](https://e.com/2.jpg "Two \\\\*boats\\\\*")\n'
    )
    html = render_markdown(converted.markdown)
    assert html.startswith('<figure class="gallery">')
    assert "<figcaption>Two *boats*</figcaption>" in html
    assert converted.image_urls == ["https://e.com/1.jpg", "https://e.com/2.jpg"]


def test_a_gallery_grid_without_data_attrs_uses_its_images():
    converted = convert(
        '<div class="image-gallery-embed"><div class="image-grid">'
        f'<img src="{CDN}"><img src="https://e.com/2.jpg" alt="second"></div>'
        '<figcaption class="image-gallery-caption">Grid</figcaption></div>'
    )

    assert converted.markdown == f'![]({ORIGINAL})\n![second](https://e.com/2.jpg "Grid")\n'


# Paywall ----------------------------------------------------------------------------------------


def test_the_paywall_jump_becomes_the_paywall_line_and_the_preview_stops_there():
    converted = convert(f"<p>Free one.</p><p>Free two.</p>{PAYWALL}<p>Paid part.</p>")

    assert converted.markdown == "Free one.\n\nFree two.\n\n<!-- paywall -->\n\nPaid part.\n"
    split = split_at_paywall(converted.markdown)
    assert split.is_marked
    assert split.preview_html == "<p>Free one.</p>\n<p>Free two.</p>\n"
    assert "Paid part." in split.rest_html


# Footnotes --------------------------------------------------------------------------------------


def test_footnotes_become_markdown_footnotes():
    converted = convert(
        '<p>Claim<a class="footnote-anchor" data-component-name="FootnoteAnchorToDOM" '
        'id="footnote-anchor-1" href="#footnote-1" target="_self">1</a>.</p>'
        '<div class="footnote" data-component-name="FootnoteToDOM"><a id="footnote-1" '
        'href="#footnote-anchor-1" class="footnote-number" contenteditable="false">1</a>'
        '<div class="footnote-content"><p>Source <em>here</em>.</p><p>More.</p></div></div>'
    )

    assert converted.markdown == "Claim[^1].\n\n[^1]: Source *here*.\n\n    More.\n"
    html = render_markdown(converted.markdown)
    assert '<a href="#footnote-1" id="footnote-ref-1"' in html
    assert '<li id="footnote-1" class="footnote-item"><p>Source <em>here</em>.</p>' in html
    assert "More." in html


# Buttons and widgets ----------------------------------------------------------------------------


def test_a_checkout_placeholder_button_links_to_subscribe():
    assert convert(button("%%checkout_url%%", "Subscribe now")).markdown == (
        "[Subscribe now](/subscribe/)\n"
    )


def test_an_ordinary_button_is_a_link():
    assert convert(button("https://example.org/book", "Buy the book")).markdown == (
        "[Buy the book](https://example.org/book)\n"
    )


def test_a_share_button_is_dropped_with_a_note():
    converted = convert(button("https://x.substack.com/p/a?action=share", "Share"))

    assert converted.markdown == ""
    assert converted.notes == ["a “Share” button was left out"]


def test_a_subscription_widget_is_a_subscribe_link_without_form_notes():
    data = attrs({"url": "https://x.substack.com/subscribe", "text": "Subscribe"})
    converted = convert(
        f'<div class="subscription-widget-wrap" data-attrs="{data}" '
        'data-component-name="SubscribeWidgetToDOM"><div class="subscription-widget">'
        '<p>Thanks for reading!</p><form><input type="email"></form></div></div>'
    )

    assert converted.markdown == "[Subscribe](/subscribe/)\n"
    assert converted.notes == []


def test_the_app_embed_is_dropped():
    assert (
        convert('<div class="install-substack-app-embed"><p>Get the app</p></div>').markdown == ""
    )


# Embeds -----------------------------------------------------------------------------------------


def test_a_tweet_becomes_a_quote_with_a_link():
    data = attrs({"url": "https://x.com/sample/status/1", "full_text": "Hello *all*\nline <b>2",
                  "username": "sample", "name": "Sample", "date": "2026-01-01"})  # fmt: skip
    converted = convert(
        f'<div class="tweet" data-attrs="{data}" data-component-name="Twitter2ToDOM"></div>'
    )

    assert converted.markdown == (
        "> Hello \\*all\\*\n> line \\<b\\>2\n>\n> — [@sample on X](https://x.com/sample/status/1)\n"
    )
    html = render_markdown(converted.markdown)
    assert "<blockquote>" in html
    assert "line &lt;b&gt;2" in html


def test_a_tweet_with_malformed_data_attrs_keeps_its_text_with_a_note():
    converted = convert('<div class="tweet" data-attrs="{&quot;url&quot;: oops">Kept words</div>')

    assert converted.markdown == "Kept words\n"
    assert converted.notes == ["a post from X could not be read and was kept as text"]


def test_a_youtube_embed_becomes_a_watch_link_with_its_start_time():
    data = attrs({"videoId": "abcDEF_1234", "startTime": "18s", "endTime": None})
    converted = convert(
        f'<div id="youtube2-abcDEF_1234" class="youtube-wrap" data-attrs="{data}" '
        'data-component-name="Youtube2ToDOM"><iframe src="https://www.youtube-nocookie.com/embed/x">'
        "</iframe></div>"
    )

    assert converted.markdown == (
        "[Watch on YouTube](https://www.youtube.com/watch?v=abcDEF_1234&t=18s)\n"
    )


def test_a_youtube_embed_without_data_attrs_uses_the_element_id():
    converted = convert('<div id="youtube2-XYZ" class="youtube-wrap"></div>')

    assert converted.markdown == "[Watch on YouTube](https://www.youtube.com/watch?v=XYZ)\n"


def test_audio_and_video_embeds_become_links():
    spotify = attrs({"url": "https://open.spotify.com/episode/1", "title": "Episode one"})
    vimeo = attrs({"videoId": "12345"})
    converted = convert(
        f'<iframe class="spotify-wrap" data-attrs="{spotify}" src="https://open.spotify.com/embed/1"></iframe>'
        f'<div class="vimeo-wrap" data-attrs="{vimeo}"></div>'
        '<div class="soundcloud-wrap" data-attrs="{}"><iframe src="https://w.soundcloud.com/player/?u=1"></iframe></div>'
    )

    assert converted.markdown == (
        "[Episode one (Listen on Spotify)](https://open.spotify.com/episode/1)\n\n"
        "[Watch on Vimeo](https://vimeo.com/12345)\n\n"
        "[Listen on SoundCloud](https://w.soundcloud.com/player/?u=1)\n"
    )


def test_an_embedded_post_becomes_a_link():
    data = attrs({"id": 1, "url": "https://other.substack.com/p/a-post", "title": "A post"})
    converted = convert(f'<div class="embedded-post-wrap" data-attrs="{data}"><p>A post</p></div>')

    assert converted.markdown == "[A post](https://other.substack.com/p/a-post)\n"


def test_a_latex_block_becomes_block_math():
    data = attrs({"persistentExpression": "E=mc^2 < x", "id": "A"})
    converted = convert(f'<div class="latex-rendered" data-attrs="{data}"></div>')

    assert converted.markdown == "$$\nE=mc^2 < x\n$$\n"
    assert render_markdown(converted.markdown) == '<div class="math">E=mc^2 &lt; x</div>\n'


def test_a_poll_keeps_its_text_with_a_note():
    converted = convert(
        '<div class="poll-embed" data-attrs="{&quot;id&quot;:7}">Tea or coffee?</div>'
    )

    assert converted.markdown == "Poll: Tea or coffee?\n"
    assert converted.notes == ["a poll was kept as text; its votes were not imported"]


def test_a_pullquote_is_a_blockquote():
    assert convert('<div class="pullquote"><p>Said <em>well</em>.</p></div>').markdown == (
        "> Said *well*.\n"
    )


def test_code_blocks_and_rules_convert():
    converted = convert("<pre><code>x = 1\n</code></pre><hr>")

    assert converted.markdown == "```\nx = 1\n```\n\n---\n"


def test_an_unknown_component_keeps_its_text_with_a_note():
    converted = convert('<div data-component-name="NewThingToDOM"><p>Its words</p></div>')

    assert converted.markdown == "Its words\n"
    assert converted.notes == ["a Substack block (NewThingToDOM) was kept as text"]


def test_data_attrs_that_are_not_an_object_do_not_raise():
    for raw in ["[]", "1", "null", '"s"', "{", '{"gallery": 3}', '{"gallery": {"images": "x"}}']:
        for kind in ["image-gallery-embed", "tweet", "youtube-wrap", "spotify-wrap",
                     "latex-rendered", "embedded-post-wrap", "button-wrapper", "poll-embed"]:  # fmt: skip
            convert(f'<div class="{kind}" data-attrs="{escape(raw)}">text</div>')


# A whole post -----------------------------------------------------------------------------------


def test_a_whole_post_renders_and_cuts_at_the_paywall():
    post = (
        '<p>Intro<a class="footnote-anchor" href="#footnote-1" id="footnote-anchor-1">1</a>.</p>'
        + captioned_image()
        + button("%%checkout_url%%", "Subscribe now")
        + PAYWALL
        + "<p>Members only.</p>"
        + '<div class="footnote"><a id="footnote-1" class="footnote-number" href="#footnote-anchor-1">1</a>'
        '<div class="footnote-content"><p>A paid note.</p></div></div>'
    )

    converted = convert(post)
    split = split_at_paywall(converted.markdown)

    assert "<figure>" in split.preview_html
    assert 'href="/subscribe/"' in split.preview_html
    assert "Members only." not in split.preview_html
    assert "A paid note." not in split.preview_html
    assert "Members only." in split.rest_html
    assert "A paid note." in split.rest_html
    assert converted.image_urls == [ORIGINAL]


# Any mix of Substack's blocks -------------------------------------------------------------------

ACTIVE_ATTRIBUTE = re.compile(r"<[^>]*\s(?:on\w+\s*=|(?:href|src)\s*=\s*\"?\s*javascript:)", re.I)
BLOCK_CLASSES = ["captioned-image-container", "image-gallery-embed", "image-grid", "paywall-jump",
                 "footnote-anchor", "footnote", "button-wrapper", "tweet", "youtube-wrap",
                 "spotify-wrap", "vimeo-wrap", "embedded-post-wrap", "digest-post-embed",
                 "latex-rendered", "poll-embed", "subscription-widget-wrap", "pullquote",
                 "install-substack-app-embed"]  # fmt: skip
HOSTILE_VALUES = st.sampled_from(["javascript:alert(1)", "<script>x</script>", "$$", "\n\n",
                                  '"', "%%checkout_url%%", "https://e.com/a.png", "", "[^1]"])  # fmt: skip
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.integers(), HOSTILE_VALUES, st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "url",
                    "text",
                    "src",
                    "images",
                    "gallery",
                    "caption",
                    "full_text",
                    "username",
                    "videoId",
                    "startTime",
                    "persistentExpression",
                    "title",
                ]
            ),
            inner,
            max_size=4,
        ),  # fmt: skip
    ),
    max_leaves=8,
)


@st.composite
def substack_block(draw):
    css_class = draw(st.sampled_from(BLOCK_CLASSES))
    data = draw(st.one_of(JSON_VALUES.map(json.dumps), st.text(max_size=10)))
    inner = draw(st.sampled_from(["", "text", '<img src="javascript:alert(1)">', "<p>p</p>",
                                  '<a href="javascript:x()">a</a>', "<figcaption><b>c</figcaption>",
                                  '<img src="https://e.com/i.png" onerror="x()">']))  # fmt: skip
    return f'<div class="{css_class}" data-attrs="{escape(data, quote=True)}">{inner}</div>'


@settings(max_examples=200, deadline=None)
@given(st.lists(substack_block(), max_size=6))
def test_any_mix_of_blocks_converts_and_renders_without_active_content(blocks):
    converted = convert("".join(blocks))

    html = render_markdown(converted.markdown)
    split_at_paywall(converted.markdown)
    assert "<script" not in html.lower()
    assert ACTIVE_ATTRIBUTE.search(html) is None
    assert all(url.startswith(("http://", "https://")) for url in converted.image_urls)
