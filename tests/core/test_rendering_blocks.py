"""The editor's blocks in writers' Markdown: pull quotes, buttons and embeds render as documented
(docs/writing-format.md), hostile input stays harmless, and the paywall cut keeps them whole."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from masthead.core.directives import SHARE_HREF, SUBSCRIBE_HREF, resolve_button_links
from masthead.core.embeds import EMBED_FRAME_HOSTS
from masthead.core.rendering import render_markdown, sanitize_writer_html
from masthead.delivery.email_html import emailable_blocks
from masthead.posts.models import Audience
from masthead.posts.paywall import split_at_paywall
from tests.factories import make_post

YOUTUBE_FRAME = 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"'
FRAME_SOURCE = re.compile(r'<iframe\b[^>]*\ssrc="([^"]*)"', re.I)
# Inside a tag (text never holds a raw "<"): script, an on* handler, a javascript: or data: address.
ACTIVE = re.compile(
    r"<script|<[^>]*\son\w+\s*=|<[^>]*\s(?:href|src)\s*=\s*\"?\s*(?:javascript|data):", re.I
)
ALLOWED_FRAME_HOSTS = {urlsplit(host).hostname for host in EMBED_FRAME_HOSTS}


def assert_safe(html: str) -> None:
    assert not ACTIVE.search(html), html
    for src in FRAME_SOURCE.findall(html):
        assert urlsplit(src.replace("&amp;", "&")).hostname in ALLOWED_FRAME_HOSTS, html
    assert html.count("<iframe") == len(FRAME_SOURCE.findall(html)), "a frame without its src"


# Pull quotes ------------------------------------------------------------------------------------


def test_a_pullquote_container_is_a_blockquote_with_inline_markdown():
    html = render_markdown("::: pullquote\nQuoted text, *inline markdown*.\n:::")

    assert html == (
        '<blockquote class="pullquote">\n<p>Quoted text, <em>inline markdown</em>.</p>\n'
        "</blockquote>\n"
    )


def test_an_unterminated_pullquote_runs_to_the_end_without_error():
    html = render_markdown("Before.\n\n::: pullquote\nStill quoted.\n\nAnd this.")

    assert html.startswith("<p>Before.</p>")
    assert '<blockquote class="pullquote">' in html and html.endswith("</blockquote>\n")


def test_a_container_of_another_name_is_plain_text():
    html = render_markdown("::: warning\nText\n:::")

    assert "<blockquote" not in html and "::: warning" in html


def test_nested_pullquotes_render_safely():
    html = render_markdown("::: pullquote\n::: pullquote\ninner\n:::\n:::\n")

    assert html.count('<blockquote class="pullquote">') == html.count("</blockquote>")


# Buttons ----------------------------------------------------------------------------------------


def test_a_subscribe_button_is_a_styled_link_to_the_placeholder():
    html = render_markdown('::button[Subscribe now]{kind="subscribe"}')

    assert html == (
        f'<p class="button-row"><a class="button" href="{SUBSCRIBE_HREF}" '
        'rel="noopener noreferrer nofollow">Subscribe now</a></p>\n'
    )


def test_a_share_button_without_a_label_says_share():
    html = render_markdown('::button{kind="share"}')

    assert f'href="{SHARE_HREF}"' in html and ">Share</a>" in html


def test_a_custom_button_leads_to_its_address():
    html = render_markdown('::button[Read the report]{href="https://example.com/x?a=1&b=2"}')

    assert 'class="button" href="https://example.com/x?a=1&amp;b=2"' in html
    assert ">Read the report</a>" in html


def test_a_mailto_button_is_kept():
    assert 'href="mailto:editor@example.com"' in render_markdown(
        '::button[Write to us]{href="mailto:editor@example.com"}'
    )


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//evil.example/x",
        "/relative",
        "https://",
        'https://example.com/" onclick="alert(1)',
    ],
)
def test_a_button_with_an_unsafe_address_is_its_label_as_text(href):
    escaped = href.replace("\\", "\\\\").replace('"', '\\"')
    html = render_markdown(f'::button[Click me]{{href="{escaped}"}}')

    assert html == "<p>Click me</p>\n"


def test_a_button_label_is_text_not_markup():
    html = render_markdown('::button[<img src=x onerror=alert(1)> \\] *b*]{kind="subscribe"}')

    assert "&lt;img src=x onerror=alert(1)&gt; ] *b*</a>" in html
    assert_safe(html)


def test_quotes_and_backslashes_in_attribute_values_are_read():
    html = render_markdown('::button[x]{href="https://example.com/a\\"b\\\\c"}')

    assert "<a" not in html  # a quote or a backslash makes no address a browser reads as written


def test_a_malformed_directive_is_a_plain_paragraph():
    for line in ['::button[x]{kind="subscribe"', "::button[x]{kind=subscribe}", "::button[x", "::"]:
        html = render_markdown(line)
        assert 'class="button"' not in html and html.startswith("<p>"), line


def test_placeholders_resolve_to_the_publication_and_post():
    html = render_markdown('::button[Go]{kind="subscribe"}\n\n::button[Tell]{kind="share"}')

    resolved = resolve_button_links(
        html, subscribe_url="https://news.example.com/subscribe/", share_url="mailto:?body=x&y"
    )

    assert 'href="https://news.example.com/subscribe/"' in resolved
    assert 'href="mailto:?body=x&amp;y"' in resolved


@pytest.mark.django_db
def test_a_saved_post_gets_its_own_subscribe_and_share_addresses(publication, settings):
    settings.BASE_URL = "https://news.example.com"
    post = make_post(
        publication,
        "Big news",
        body='Hello.\n\n::button[Join]{kind="subscribe"}\n\n::button[Tell a friend]{kind="share"}',
    )

    assert SUBSCRIBE_HREF not in post.body_html and SHARE_HREF not in post.body_html
    assert re.search(r'class="button" href="https?://[^"]*/subscribe/"', post.body_html)
    assert "mailto:?subject=Big%20news&amp;body=http" in post.body_html
    assert f"%2Fp%2F{post.slug}%2F" in post.body_html


# Embeds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com/watch?v=dQw4w9WgXcQ&t=nonsense",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ?si=abc",
        "https://www.youtube.com/shorts/dQw4w9WgXcQ",
    ],
)
def test_youtube_addresses_become_a_sandboxed_privacy_enhanced_frame(url):
    html = render_markdown(f'::embed{{url="{url}"}}')

    assert html.startswith('<figure class="embed embed-video"><iframe ')
    assert YOUTUBE_FRAME in html
    assert 'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"' in html
    assert 'allow="fullscreen; picture-in-picture"' in html
    assert 'loading="lazy"' in html and 'referrerpolicy="strict-origin-when-cross-origin"' in html
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert_safe(html)


@pytest.mark.parametrize(("start", "seconds"), [("42", 42), ("42s", 42), ("1m30s", 90)])
def test_a_youtube_start_time_carries_over(start, seconds):
    html = render_markdown(f'::embed{{url="https://youtu.be/dQw4w9WgXcQ?t={start}"}}')

    assert f'{YOUTUBE_FRAME[:-1]}?start={seconds}"' in html
    assert f"watch?v=dQw4w9WgXcQ&amp;t={seconds}s" in html


def test_an_embed_caption_is_the_frame_title_and_the_figcaption():
    html = render_markdown(
        '::embed{url="https://youtu.be/dQw4w9WgXcQ" caption="The \\"best\\" <b>video</b>"}'
    )

    assert 'title="YouTube: The &quot;best&quot; &lt;b&gt;video&lt;/b&gt;"' in html
    assert ': The "best" &lt;b&gt;video&lt;/b&gt;</figcaption>' in html


@pytest.mark.parametrize(
    ("url", "src"),
    [
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        (
            "https://vimeo.com/76979871/abcdef1234",
            "https://player.vimeo.com/video/76979871?dnt=1&amp;h=abcdef1234",
        ),
        (
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC",
        ),
        (
            "https://open.spotify.com/intl-de/episode/4uLU6hMCjMI75M1A2tKUQC?si=1",
            "https://open.spotify.com/embed/episode/4uLU6hMCjMI75M1A2tKUQC",
        ),
        (
            "https://soundcloud.com/artist/track-name",
            "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fartist%2F"
            "track-name&amp;visual=false",
        ),
    ],
)
def test_vimeo_spotify_and_soundcloud_get_their_players(url, src):
    html = render_markdown(f'::embed{{url="{url}"}}')

    assert f'<iframe src="{src}"' in html and 'sandbox="allow-scripts allow-same-origin' in html
    assert_safe(html)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ\"onload='x'",
        "https://youtu.be/dQw4w9WgXcQ/../../evil",
        "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
        "https://vimeo.com/notanumber",
        "https://open.spotify.com/track/tooshort",
        "https://soundcloud.com/a/b/c/d/e",
        "http://www.youtube-nocookie.com.evil.example/embed/dQw4w9WgXcQ",
    ],
)
def test_lookalike_and_malformed_player_addresses_get_no_frame(url):
    escaped = url.replace("\\", "\\\\").replace('"', '\\"')
    html = render_markdown(f'::embed{{url="{escaped}"}}')

    assert "<iframe" not in html
    assert_safe(html)


def test_a_direct_audio_file_is_an_audio_player_with_a_link():
    html = render_markdown('::embed{url="https://cdn.example.com/show/ep1.MP3" caption="Ep 1"}')

    audio = re.search(r"<audio [^>]*>", html).group(0)
    for attribute in (
        'controls=""',
        'preload="none"',
        'src="https://cdn.example.com/show/ep1.MP3"',
    ):
        assert attribute in audio
    assert 'href="https://cdn.example.com/show/ep1.MP3"' in html and "Ep 1" in html


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://x.com/someone/status/1234567890", "Post on X"),
        ("https://twitter.com/someone/status/1234567890", "Post on X"),
        ("https://bsky.app/profile/a.bsky.social/post/3k", "Post on Bluesky"),
        ("https://mastodon.social/@someone/1234567890", "Post on mastodon.social"),
        ("https://www.instagram.com/p/Cx1/", "Post on Instagram"),
        ("https://www.threads.net/@someone/post/Cx1", "Post on Threads"),
        ("https://www.linkedin.com/posts/someone_activity", "Post on LinkedIn"),
        ("https://www.tiktok.com/@someone/video/123", "Post on TikTok"),
        ("https://example.org/an/article", "example.org"),
    ],
)
def test_social_posts_and_other_pages_are_link_cards_without_script(url, label):
    html = render_markdown(f'::embed{{url="{url}"}}')

    assert f'<a class="embed-card" href="{url}"' in html
    assert f'<span class="embed-card-host">{label}</span>' in html
    assert "<iframe" not in html and "<script" not in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "https:///nohost",
        "ftp://example.com/file",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "https://[::1/",
        "https://example.com/" + "a" * 5000,
        "",
    ],
)
def test_an_unusable_embed_address_is_text_or_nothing_never_a_link(url):
    html = render_markdown(f'::embed{{url="{url}"}}')

    assert "<a" not in html and "<iframe" not in html and "<audio" not in html
    assert_safe(html)


def test_an_iframe_typed_in_the_text_is_escaped():
    html = render_markdown('<iframe src="https://evil.example/"></iframe>\n\nText <iframe>')

    assert "<iframe" not in html


def test_the_sanitizer_drops_frames_from_other_hosts_and_loose_attributes():
    html = sanitize_writer_html(
        '<iframe src="https://evil.example/embed/x" sandbox="allow-top-navigation"></iframe>'
        '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" '
        'sandbox="allow-scripts allow-top-navigation" srcdoc="<script>x</script>" onload="x">'
        "</iframe>"
        '<audio src="javascript:alert(1)" autoplay></audio>'
        '<p class="button-row evil"><a class="button other" href="javascript:x">x</a></p>'
    )

    assert html.count("<iframe") == 1 and html.count("</iframe>") == 1
    assert "evil.example" not in html and "allow-top-navigation" not in html
    assert "srcdoc" not in html and "onload" not in html and "autoplay" not in html
    assert "javascript" not in html and "other" not in html and "evil" not in html
    assert YOUTUBE_FRAME in html


def test_every_frame_is_sandboxed_and_every_audio_waits_whatever_reaches_the_sanitizer():
    html = sanitize_writer_html(
        '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe>'
        '<audio src="https://example.com/a.mp3" autoplay preload="auto"></audio>'
    )

    assert 'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"' in html
    assert 'preload="none"' in html and "autoplay" not in html and "auto" not in html


def test_directives_inside_code_stay_code():
    html = render_markdown(
        '```\n::embed{url="https://youtu.be/dQw4w9WgXcQ"}\n```\n\n    ::button[x]'
    )

    assert "<iframe" not in html and 'class="button"' not in html
    assert "::embed" in html and "::button[x]" in html


def test_huge_input_renders_without_error():
    text = (
        '::button[x]{href="'
        + "\\" * 20000
        + '"}\n\n'
        + "::: pullquote\n" * 2000
        + '::embed{url="'
        + "a" * 100000
        + '" caption="'
        + '\\"' * 5000
        + '"}\n'
        + "{" * 20000
    )

    html = render_markdown(text)

    assert_safe(html)


# Hostile input, generated -----------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "::embed{", "::button[", "]", "{", "}", '"', '\\"', "\\", "::: pullquote\n", ":::\n",
        'url="', 'href="', 'kind="subscribe"', 'caption="', "https://youtu.be/dQw4w9WgXcQ",
        "https://evil.example/", "javascript:alert(1)", "data:,x", "<iframe src=x>",
        "<script>", " onload=x ", "\n", "\n\n", "<!-- paywall -->", "$", "[^1]", " ", "@",
        "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", ".mp3", "'", "&", "#",
    ]
)  # fmt: skip


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40))
def test_render_never_raises_and_never_emits_a_foreign_frame_or_script(pieces):
    html = render_markdown("".join(pieces))

    assert_safe(html)
    emailed = emailable_blocks(html)
    assert "<iframe" not in emailed and "<audio" not in emailed


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, max_size=30))
def test_the_paywall_split_never_raises_and_stays_safe(pieces):
    split = split_at_paywall("".join(pieces))

    assert_safe(split.full_html)
    assert split.full_html == split.preview_html + split.rest_html


# The paywall cut keeps blocks whole --------------------------------------------------------------

PAID_BLOCKS = (
    "Free words.\n\n"
    "<!-- paywall -->\n\n"
    '::button[Paid button]{href="https://example.com/paid"}\n\n'
    '::embed{url="https://youtu.be/dQw4w9WgXcQ" caption="Paid video"}\n\n'
    "::: pullquote\nPaid quote.\n:::\n"
)


def test_blocks_below_the_paywall_are_never_in_the_preview():
    split = split_at_paywall(PAID_BLOCKS)

    assert split.preview_html == "<p>Free words.</p>\n"
    for text in ("Paid button", "Paid video", "Paid quote", "<iframe"):
        assert text in split.rest_html
        assert text not in split.preview_html


def test_blocks_above_the_paywall_stay_whole_in_the_preview():
    split = split_at_paywall(
        "::: pullquote\nFree quote.\n\nSecond paragraph.\n:::\n\n"
        '::embed{url="https://youtu.be/dQw4w9WgXcQ"}\n\n<!-- paywall -->\n\nPaid.'
    )

    assert split.preview_html.count("<blockquote") == split.preview_html.count("</blockquote>") == 1
    assert "Second paragraph." in split.preview_html and "</figure>" in split.preview_html
    assert "Paid." not in split.preview_html


def test_without_a_marker_an_unterminated_pullquote_is_never_in_the_preview():
    split = split_at_paywall("One.\n\nTwo.\n\nThree.\n\n::: pullquote\nSecret.\n\n<!-- paywall -->")

    assert "Secret." not in split.preview_html
    assert "Secret." in split.rest_html


@pytest.mark.django_db
def test_a_free_reader_of_a_paid_post_gets_no_block_below_the_paywall_on_page_or_feed(
    client, publication
):
    post = make_post(publication, "Paid blocks", audience=Audience.PAID, body=PAID_BLOCKS)

    page = client.get(reverse("posts:detail", args=[post.slug]))
    feed = client.get("/feed/")

    assert page.status_code == 200 and feed.status_code == 200
    assert "Free words." in page.text
    for text in ("Paid button", "Paid video", "Paid quote", "<iframe", "youtube"):
        assert text not in page.text and text not in feed.text


@pytest.mark.django_db
def test_a_free_post_shows_its_blocks_on_the_page_and_in_the_feed(client, publication):
    post = make_post(publication, "Free blocks", body=PAID_BLOCKS.replace("<!-- paywall -->", ""))

    page = client.get(reverse("posts:detail", args=[post.slug])).text
    feed = client.get("/feed/").text

    assert YOUTUBE_FRAME in page and '<blockquote class="pullquote">' in page
    assert 'class="button" href="https://example.com/paid"' in page
    # Feed readers drop frames; the link under each one still leads to the video.
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in feed and "Paid quote" in feed
