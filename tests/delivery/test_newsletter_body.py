"""What the newsletter body holds: links and images that work outside the site, and of a paid
post only the part above its paywall, whatever shape its Markdown has."""

import pytest

from masthead.delivery.clipping import clip_notice, newsletter_html_size
from masthead.delivery.messages import render_newsletter
from masthead.delivery.services.fan_out import create_test_send
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


def test_uploaded_images_and_site_links_become_absolute(publication, settings):
    settings.BASE_URL = "https://news.example.com"
    post = make_post(
        publication,
        body="![A chart](/media/posts/1/chart.png)\n\n[The archive](/archive/) and "
        "[elsewhere](https://example.org/page)",
    )

    html = render_newsletter(post, is_preview=False).html

    assert 'src="https://news.example.com/media/posts/1/chart.png"' in html
    assert 'href="https://news.example.com/archive/"' in html
    assert 'href="https://example.org/page"' in html
    assert 'src="/media' not in html


PAID_BODY = "Free one.\r\n  \r\nFree two.\r\n\r\n## The paid secret.\r\nMore paid words."


def test_a_free_subscriber_gets_only_the_preview_of_a_paid_post(
    publication, subscribers, smtp_sink, run_worker
):
    post = make_post(publication, "Paid", status=PostStatus.DRAFT, audience="paid", body=PAID_BODY)

    publish_post(post, send_email=True)
    run_worker()

    message = smtp_sink.last_to("reader0@example.com")
    for part in (message.html, message.text):
        assert "Free one." in part and "Free two." in part
        assert "The paid secret." not in part and "More paid words." not in part
        assert "This post is for paid subscribers." in part


def test_a_paid_post_of_one_paragraph_goes_out_without_its_text(
    publication, subscribers, smtp_sink, run_worker
):
    body = "One long paragraph that is the whole post. " * 40
    post = make_post(publication, "Paid", status=PostStatus.DRAFT, audience="paid", body=body)

    publish_post(post, send_email=True)
    run_worker()

    message = smtp_sink.last_to("reader1@example.com")
    assert "One long paragraph" not in message.html and "One long paragraph" not in message.text
    assert "Read the rest on the web" in message.html


def test_the_test_email_of_a_paid_post_is_what_subscribers_get(publication, smtp_sink, run_worker):
    post = make_post(publication, "Paid", status=PostStatus.DRAFT, audience="paid", body=PAID_BODY)

    create_test_send(post, "writer@example.com")
    run_worker()

    message = smtp_sink.last_to("writer@example.com")
    assert "Free two." in message.html and "The paid secret." not in message.html


def test_the_size_gmail_gets_of_a_paid_post_is_its_previews(publication):
    secret = "\r\n\r\n".join(["The paid secret. " * 50] * 160)  # over 100 KB
    post = make_post(
        publication, "Paid", status=PostStatus.DRAFT, audience="paid",
        body=f"Free one.\r\n\r\nFree two.\r\n\r\n{secret}",
    )  # fmt: skip

    size = newsletter_html_size(post)

    assert size < 10_000
    assert clip_notice(size) is None


STRUCTURED_BODY = """Read [the tide tables](https://example.org/tides) first.

1. Check the chart
2. Check the [moon](https://example.org/moon)

And later:

5. Fifth, as the writer numbered it

- A bullet
  that wraps

> The sea keeps no appointments.
>
> > Said twice.
"""


def text_part(publication, body: str) -> str:
    return render_newsletter(make_post(publication, body=body), is_preview=False).text


def test_the_text_part_keeps_list_numbers(publication):
    text = text_part(publication, STRUCTURED_BODY)

    assert "1. Check the chart\n2. Check the moon (https://example.org/moon)" in text
    assert "5. Fifth, as the writer numbered it" in text
    assert "- A bullet that wraps" in text


def test_the_text_part_marks_quotes(publication):
    text = text_part(publication, STRUCTURED_BODY)

    assert "> The sea keeps no appointments.\n>\n> > Said twice." in text


def test_the_text_part_writes_links_as_text_and_address(publication):
    text = text_part(publication, STRUCTURED_BODY)

    assert "Read the tide tables (https://example.org/tides) first." in text


def test_the_text_part_keeps_code_lines_and_table_rows(publication):
    body = (
        "```\ndef tide():\n    return 'high'\n```\n\n| Day | Height |\n|---|---|\n| Mon | 4.2 m |"
    )

    text = text_part(publication, body)

    assert "def tide():\n    return 'high'" in text
    assert "Day | Height\nMon | 4.2 m" in text


def test_the_text_part_has_the_byline_and_the_like_and_comment_links(publication):
    post = make_post(publication, "Tides", author=make_person(name="Hana Harbour"))

    text = render_newsletter(post, is_preview=False).text

    assert "By Hana Harbour" in text
    assert "Like: http://127.0.0.1:8000/p/" in text and "#engagement" in text
    assert f"Comment: http://127.0.0.1:8000/p/{post.slug}/#comments" in text
