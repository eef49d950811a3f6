"""The newsletter's HTML as mail clients need it: a 600 px table column with inlined styles, images
that fit it, the publication's face (accent, cover, avatar, postal address), a preheader, and
like / comment / share links that land on the post page's own anchors."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from masthead.delivery.email_html import readable_accent
from masthead.delivery.messages import (
    UNSUBSCRIBE_URL,
    add_tracking,
    render_newsletter,
    render_newsletter_html,
)
from masthead.posts.models import Post, PostStatus
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BASE_URL = "https://news.example.com"
    return settings.MEDIA_ROOT


def png(width: int, height: int) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


def save_upload(media, name: str, width: int, height: int) -> None:
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png(width, height).read())


def img_tag(html: str, src_part: str) -> str:
    return re.search(rf'<img [^>]*src="[^"]*{re.escape(src_part)}"[^>]*>', html)[0]


def test_the_email_is_a_600_px_column_of_presentation_tables(publication):
    html = render_newsletter(make_post(publication), is_preview=False).html

    tables = re.findall(r"<table[^>]*>", re.sub(r"<!--.*?-->", "", html, flags=re.S))
    columns = [tag for tag in tables if 'class="column"' in tag]
    assert columns and all('width="600"' in tag and "max-width: 600px" in tag for tag in columns)
    assert all('role="presentation"' in tag for tag in tables)


def test_styles_are_inlined_and_only_media_queries_stay_in_the_head(publication):
    post = make_post(publication, body="Read [this](https://example.org/x).\n\n> Quoted.")

    html = render_newsletter(post, is_preview=False).html

    link = re.search(r'<a href="https://example.org/x"[^>]*>', html)[0]
    assert "color: #b4431b" in link
    assert "border-left: 3px solid #b4431b" in re.search(r"<blockquote[^>]*>", html)[0]
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert len(styles) == 1 and styles[0].strip().startswith("@media")


def test_links_and_quotes_take_the_publications_accent(publication):
    publication.accent_color = "#1a6b3c"
    publication.save(update_fields=["accent_color"])
    post = make_post(publication, body="Read [this](https://example.org/x).\n\n> Quoted.")

    html = render_newsletter(post, is_preview=False).html

    assert "color: #1a6b3c" in re.search(r'<a href="https://example.org/x"[^>]*>', html)[0]
    assert "3px solid #1a6b3c" in re.search(r"<blockquote[^>]*>", html)[0]


@pytest.mark.parametrize("color", ["#ffe600", "#FFFFFF", "#a0d8ef"])
def test_a_pale_accent_is_darkened_until_links_in_it_can_be_read(color):
    accent = readable_accent(color)
    red, green, blue = (int(accent[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def channel(value):
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    assert 1.05 / (luminance + 0.05) >= 4.5


@pytest.mark.parametrize("color", ["", "red", "#12345", '#123"><', "#gggggg"])
def test_an_accent_that_is_not_a_colour_gives_the_default(publication, color):
    publication.accent_color = color
    publication.save(update_fields=["accent_color"])
    post = make_post(publication, body="Read [this](https://example.org/x).")

    html = render_newsletter(post, is_preview=False).html

    assert "color: #b4431b" in re.search(r'<a href="https://example.org/x"[^>]*>', html)[0]
    assert f"color: {color};" not in html and f"solid {color};" not in html


def test_a_wide_upload_is_capped_to_the_column_and_a_small_one_keeps_its_size(publication, media):
    save_upload(media, "posts/wide.png", 1250, 400)
    save_upload(media, "posts/small.png", 320, 200)
    post = make_post(
        publication, body="![Wide](/media/posts/wide.png)\n\n![Small](/media/posts/small.png)"
    )

    html = render_newsletter(post, is_preview=False).html

    wide, small = img_tag(html, "posts/wide.png"), img_tag(html, "posts/small.png")
    assert 'width="600"' in wide and 'width="320"' in small
    for tag in (wide, small):
        assert "max-width: 100%" in tag and "height: auto" in tag
        assert 'src="https://news.example.com/media/posts/' in tag


def test_a_remote_image_is_not_fetched_and_still_fits(publication):
    post = make_post(publication, body="![Far](https://images.example.org/huge.png)")

    tag = img_tag(render_newsletter(post, is_preview=False).html, "huge.png")

    assert "width=" not in tag.replace("max-width", "")
    assert "max-width: 100%" in tag


def test_code_blocks_wrap_and_tables_scroll_inside_the_column(publication):
    post = make_post(
        publication, body="```\n" + "x = 1; " * 60 + "\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )

    html = render_newsletter(post, is_preview=False).html

    pre = re.search(r"<pre[^>]*>", html)[0]
    assert "white-space: pre-wrap" in pre and "overflow-x: auto" in pre
    box = re.search(r'<div class="table-box"[^>]*>\s*<table', html)[0]
    assert "overflow-x: auto" in box


def test_the_cover_image_is_absolute_on_the_publications_host(publication, media):
    post = make_post(publication, body="Words.")
    post.cover_image.save("cover.png", png(1200, 630))

    html = render_newsletter(post, is_preview=False).html

    tag = img_tag(html, post.cover_image.url)
    assert f'src="https://news.example.com{post.cover_image.url}"' in tag
    assert 'width="600"' in tag and "height: auto" in tag


def test_the_byline_names_the_authors_with_the_date_and_avatar(publication, media):
    author = make_person(name="Hana Harbour")
    author.avatar.save("hana.png", png(80, 80))
    post = make_post(publication, "Tides", author=author)

    bodies = render_newsletter(post, is_preview=False)

    assert "Hana Harbour" in bodies.html
    day = timezone.localtime(post.published_at)
    assert f'<time datetime="{day:%Y-%m-%d}">{day:%b} {day.day}, {day.year}</time>' in bodies.html
    assert f'src="https://news.example.com{author.avatar.url}"' in bodies.html
    assert "By Hana Harbour" in bodies.text


def test_the_preheader_is_the_subtitle_or_the_first_words(publication):
    with_subtitle = make_post(publication, subtitle="A week at the harbour", body="Body words.")
    without = make_post(publication, body="The tide came in. " * 30)

    first = render_newsletter(with_subtitle, is_preview=False).html
    second = render_newsletter(without, is_preview=False).html

    preheader = re.compile(r'<div class="preheader"[^>]*>([^<\u034f]*)')
    assert preheader.search(first)[1] == "A week at the harbour"
    words = preheader.search(second)[1]
    assert words.startswith("The tide came in. The tide") and words.endswith("…")
    assert len(words) <= 141
    assert "display: none" in re.search(r'<div class="preheader"[^>]*>', first)[0]


def test_like_comment_and_share_lead_to_anchors_the_post_page_has(client, publication):
    post = make_post(publication, "Tides")
    post_url = f"https://news.example.com/p/{post.slug}/"

    html = render_newsletter(post, is_preview=False).html
    page = client.get(reverse("posts:detail", args=[post.slug])).content.decode()

    links = re.findall(r'<a class="action" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    hrefs = {text.replace("&nbsp;", " "): href for href, text in links}
    assert hrefs["\u2661 Like"] == post_url + "#engagement"
    assert hrefs["Comment"] == post_url + "#comments"
    assert hrefs["Share"] == post_url
    assert 'id="engagement"' in page and 'id="comments"' in page


def test_a_post_closed_to_comments_offers_no_comment_link(publication):
    post = make_post(publication)
    post.comments_enabled = False
    post.save(update_fields=["comments_enabled"])

    bodies = render_newsletter(post, is_preview=False)

    assert "#comments" not in bodies.html and "#comments" not in bodies.text


def test_the_footer_has_the_postal_address_and_the_unsubscribe_link(publication):
    publication.postal_address = "12 Harbour Road\nPort Example"
    publication.save(update_fields=["postal_address"])

    bodies = render_newsletter(make_post(publication), is_preview=False)

    footer = bodies.html[bodies.html.index('class="footer"') :]
    assert "12 Harbour Road<br>Port Example" in footer
    assert f'href="{UNSUBSCRIBE_URL}"' in footer
    assert "12 Harbour Road\nPort Example" in bodies.text


def test_without_an_address_the_footer_names_the_publication_only(publication):
    bodies = render_newsletter(make_post(publication), is_preview=False)

    footer = bodies.html[bodies.html.index('class="footer"') :]
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", footer, re.S)
    assert paragraphs[0] == "The Daily Build"
    assert len(paragraphs) == 2 and "Unsubscribe" in paragraphs[1]


def test_tracking_rewrites_the_new_links_but_not_unsubscribe_or_view_in_browser(publication):
    post = make_post(publication, body="[A source](https://example.org/a)")
    html = render_newsletter(post, is_preview=False).html

    tracked = add_tracking(html, publication)

    assert "https://example.org/a" in tracked.links
    assert f"https://news.example.com/p/{post.slug}/#engagement" in tracked.links
    assert f'href="{UNSUBSCRIBE_URL}"' in tracked.html
    assert re.search(r'href="https://news.example.com/p/[^"]+"[^>]*>View in browser', tracked.html)


def test_the_preview_of_a_paid_post_keeps_its_notice_in_the_new_layout(publication):
    body = "Free one.\n\nFree two.\n\nPaid three.\n\nPaid four.\n\nPaid five."
    post = make_post(publication, status=PostStatus.DRAFT, audience="paid", body=body)

    html = render_newsletter(post, is_preview=True).html

    assert "Free two." in html and "Paid three." not in html
    notice = html[html.index("This post is for paid subscribers.") :]
    assert re.search(r'<a [^>]*href="[^"]+/p/[^"]+/"[^>]*>Read the rest on the web</a>', notice)


def test_the_editor_can_measure_a_post_not_saved_yet(publication):
    unsaved = Post(publication=publication, title="Draft", slug="post", body_markdown="Words.")
    unsaved.body_html = unsaved.preview_html = "<p>Words.</p>"

    html = render_newsletter_html(unsaved, is_preview=False)

    assert "Words." in html and "Draft" in html
