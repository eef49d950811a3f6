"""The editor's blocks in a newsletter: embeds are linked cards (no frame, no player), buttons are
table buttons, pull quotes are styled on the element, and paid blocks stay out of a preview."""

import re

import pytest

from masthead.core.rendering import render_markdown
from masthead.delivery.email_html import emailable_blocks, fit_body_html
from masthead.delivery.email_text import html_to_text
from masthead.delivery.messages import render_newsletter
from masthead.posts.models import PostStatus
from tests.factories import make_post

BLOCKS = (
    "Intro.\n\n"
    "::: pullquote\nA line worth *quoting*.\n:::\n\n"
    '::button[Read the report]{href="https://example.com/report"}\n\n'
    '::embed{url="https://www.youtube.com/watch?v=dQw4w9WgXcQ" caption="Our launch"}\n\n'
    '::embed{url="https://vimeo.com/76979871"}\n\n'
    '::embed{url="https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"}\n\n'
    '::embed{url="https://cdn.example.com/ep1.mp3" caption="Episode 1"}\n\n'
    '::embed{url="https://x.com/someone/status/123"}\n'
)


def test_embeds_become_linked_cards_without_frames_or_players():
    html = fit_body_html(render_markdown(BLOCKS))

    assert "<iframe" not in html and "<audio" not in html and "<figure" not in html
    assert (
        '&#9654;&nbsp;<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" '
        'style="font-weight:600;">Watch on YouTube</a>: Our launch</p>'
    ) in html
    # Without a caption, the card names the address.
    assert ">Watch on Vimeo</a>: https://vimeo.com/76979871</p>" in html
    assert ">Listen on Spotify</a>: https://open.spotify.com/track/" in html
    assert 'href="https://cdn.example.com/ep1.mp3"' in html and "Episode 1" in html
    assert re.search(r'<p class="embed-card-row" style="[^"]*border:1px solid', html)
    assert re.search(r'<a class="embed-card" href="https://x.com/someone/status/123"', html)


def test_a_button_is_a_table_button():
    html = fit_body_html(render_markdown(BLOCKS))

    assert re.search(
        r'<table role="presentation" class="button-table"[^>]*><tr><td [^>]*bgcolor="#1d1d1f"[^>]*>'
        r'<a href="https://example.com/report" style="[^"]*color:#ffffff;[^"]*">Read the report</a>',
        html,
    )
    assert 'class="table-box"' not in html  # a button is no data table to scroll


def test_a_pullquote_is_styled_on_the_element():
    html = emailable_blocks(render_markdown("::: pullquote\nWords.\n:::"))

    assert re.search(r'<blockquote class="pullquote" style="[^"]*font-size:22px', html)


def test_stray_frames_and_players_are_removed():
    html = emailable_blocks(
        '<p>a</p><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe>'
        '<audio controls src="https://example.com/a.mp3">fallback</audio><p>b</p>'
    )

    assert html == "<p>a</p><p>b</p>"


@pytest.mark.django_db
def test_the_newsletter_has_cards_and_buttons_in_readable_colours(publication):
    post = make_post(
        publication,
        body=BLOCKS + '\n::button[Join us]{kind="subscribe"}\n\n::button{kind="share"}\n',
    )

    rendered = render_newsletter(post, is_preview=False)

    assert "<iframe" not in rendered.html and "<audio" not in rendered.html
    # Inlining the stylesheet (`.post-body a` colours links) leaves the button's text white.
    buttons = re.findall(
        r'<td [^>]*bgcolor="#1d1d1f"[^>]*><a href="([^"]*)" style="([^"]*)"', rendered.html
    )
    assert len(buttons) == 3
    for _, style in buttons:
        assert "color: #ffffff" in style or "color:#ffffff" in style
    hrefs = [href for href, _ in buttons]
    assert any(href.endswith("/subscribe/") for href in hrefs)
    assert any(href.startswith("mailto:?subject=") for href in hrefs)
    assert (
        "Watch on YouTube" in rendered.text and "https://www.youtube.com/watch?v=" in rendered.text
    )
    assert "Read the report" in rendered.text


@pytest.mark.django_db
def test_a_paid_posts_blocks_below_the_paywall_are_not_in_its_preview_email(publication):
    body = (
        "Free words.\n\n<!-- paywall -->\n\n"
        '::button[Paid button]{href="https://example.com/paid"}\n\n'
        '::embed{url="https://youtu.be/dQw4w9WgXcQ" caption="Paid video"}\n\n'
        "::: pullquote\nPaid quote.\n:::\n"
    )
    post = make_post(publication, "Paid", status=PostStatus.DRAFT, audience="paid", body=body)

    preview = render_newsletter(post, is_preview=True)
    full = render_newsletter(post, is_preview=False)

    for part in (preview.html, preview.text):
        assert "Free words." in part
        for text in ("Paid button", "Paid video", "Paid quote", "youtube"):
            assert text not in part
    assert "Paid video" in full.html and "Paid quote" in full.html


def test_the_text_part_reads_the_cards():
    text = html_to_text(fit_body_html(render_markdown(BLOCKS)))

    assert "Watch on YouTube (https://www.youtube.com/watch?v=dQw4w9WgXcQ): Our launch" in text
