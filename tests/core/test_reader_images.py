"""Readers' Markdown shows only this install's uploads as images; writers' keeps remote ones."""

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from masthead.core.rendering import (
    is_own_upload,
    render_markdown,
    render_reader_markdown,
    sanitize_reader_html,
)

TRACKER = "https://tracker.example/p.gif"


class ImageSources(HTMLParser):
    """Every <img> in a fragment, as its src (None when it has none)."""

    def __init__(self, html: str):
        super().__init__()
        self.sources: list[str | None] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src"))

    handle_startendtag = handle_starttag


def image_sources(html: str) -> list[str | None]:
    return ImageSources(html).sources


def test_a_remote_image_becomes_a_link_to_it_named_by_its_alt_text():
    html = render_reader_markdown(f"Look ![a pixel]({TRACKER}) here")

    assert image_sources(html) == []
    assert f'<a href="{TRACKER}" rel="noopener noreferrer nofollow">a pixel</a>' in html


def test_a_remote_image_without_alt_text_is_a_link_named_by_its_address():
    html = render_reader_markdown(f"![]({TRACKER})")

    assert image_sources(html) == []
    assert f'<a href="{TRACKER}" rel="noopener noreferrer nofollow">{TRACKER}</a>' in html


def test_an_uploaded_image_stays_an_image():
    html = render_reader_markdown("![my cat](/media/notes/7/cat.png)")

    assert image_sources(html) == ["/media/notes/7/cat.png"]
    assert 'alt="my cat"' in html


def test_an_upload_addressed_by_the_sites_full_url_stays_an_image(settings):
    settings.BASE_URL = "https://news.example.org"

    html = render_reader_markdown("![cat](https://news.example.org/media/chat/cat.png)")

    assert image_sources(html) == ["https://news.example.org/media/chat/cat.png"]


def test_a_writers_post_keeps_its_remote_image():
    assert image_sources(render_markdown(f"![chart]({TRACKER})")) == [TRACKER]


@pytest.mark.parametrize(
    "src",
    [
        "//tracker.example/p.gif",  # protocol-relative: another host
        "data:image/png;base64,iVBORw0KGgo=",
        "https://tracker.example/media/p.gif",  # another host's /media/
        "http://news.example.org.tracker.example/media/p.gif",
        "/media/../accounts/sign-out/",  # climbs out of the uploads
        "/media/%2e%2e/accounts/sign-out/",
        "/media/.%2E/accounts/sign-out/",
        "/mediafake/p.gif",
        "media/p.gif",  # relative to the page, not the uploads
        "/static/logo.png",
    ],
)
def test_an_image_from_anywhere_but_our_uploads_is_not_shown(src, settings):
    settings.BASE_URL = "https://news.example.org"

    html = render_reader_markdown(f"![x]({src})")

    assert image_sources(html) == []


def test_a_remote_image_inside_a_link_leaves_the_link_and_its_text():
    html = render_reader_markdown(f"[![badge]({TRACKER})](https://example.com/)")

    assert image_sources(html) == []
    assert html.count("<a ") == 1
    assert '<a href="https://example.com/" rel="noopener noreferrer nofollow">badge</a>' in html


def test_a_reference_style_remote_image_becomes_a_link():
    html = render_reader_markdown(f"![pixel][t]\n\n[t]: {TRACKER}")

    assert image_sources(html) == []
    assert f'href="{TRACKER}"' in html


def test_the_sanitizer_drops_the_source_of_an_img_from_elsewhere_whatever_made_it():
    html = sanitize_reader_html(f'<p><img src="{TRACKER}" alt="x"><img src="/media/a.png"></p>')

    assert image_sources(html) == [None, "/media/a.png"]


def test_uploads_are_recognised_under_another_media_url(settings):
    settings.MEDIA_URL = "/uploads/"

    assert is_own_upload("/uploads/a.png")
    assert not is_own_upload("/media/a.png")


# Fuzzing: Markdown built from pieces that make images, links, raw HTML and URL tricks.
URLS = st.sampled_from(
    [
        TRACKER, "//tracker.example/p.gif", "/media/a.png", "/media/../x", "/media/%2e%2e/x",
        "data:image/gif;base64,R0lGOD", "javascript:alert(1)", "/media/\\\\evil.example/x",
        "https://news.example.org/media/a.png", "https://news.example.org.evil/media/a.png",
        "/media//evil.example/a.png", " /media/a.png", "\t//evil.example/a.png", "",
        "<https://tracker.example/a b.gif>", "/media/a.png \"title\"", "HTTPS://TRACKER.EXAMPLE/P",
    ]
)  # fmt: skip
PIECES = st.one_of(
    st.builds("![{}]({})".format, st.text(max_size=8), URLS),
    st.builds("[![{}]({})]({})".format, st.text(max_size=8), URLS, URLS),
    st.builds("![{}][r]\n\n[r]: {}\n".format, st.text(max_size=8), URLS),
    st.builds('<img src="{}">'.format, URLS),
    st.builds("<{}>".format, URLS),
    st.sampled_from(["!", "[", "]", "(", ")", "<", ">", "\n\n", "`", "*", "\\", "&", '"']),
    st.text(max_size=12),
)


@given(st.lists(PIECES, max_size=12).map("".join))
@example(f"![x]({TRACKER})")
@example('<img src="https://tracker.example/p.gif">')
@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_reader_markdown_never_shows_an_image_from_outside_our_uploads(text):
    html = render_reader_markdown(text)

    for src in image_sources(html):
        assert src is None or is_own_upload(src), (text, html)
        assert src is None or src.startswith(("/media/", "http://127.0.0.1:8000/media/"))
