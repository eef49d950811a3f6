"""What the newsletter body holds: links and images that work outside the site, and of a paid
post only the part above its paywall, whatever shape its Markdown has."""

import pytest

from masthead.delivery.clipping import clip_notice, newsletter_html_size
from masthead.delivery.messages import render_newsletter
from masthead.delivery.services.fan_out import create_test_send
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from tests.factories import make_post

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
