"""How big a newsletter's HTML is, measured as Gmail counts it, and the warning on the sends page."""

import pytest
from django.urls import reverse

from masthead.delivery.clipping import (
    CLIP_BYTES,
    KB,
    NEAR_BYTES,
    clip_notice,
    newsletter_html,
    newsletter_html_size,
    sent_html_size,
    sent_html_size_expression,
)
from masthead.delivery.models import Send
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db

# About 120 KB of text (accents take two bytes each in UTF-8), with links that tracking rewrites.
PARAGRAPH = "Le café du coin sert un crème parfait, dit la rédaction. " * 8
LONG_BODY = "\n\n".join(f"{PARAGRAPH} [Source {n}](https://example.org/{n})" for n in range(260))


@pytest.fixture
def owner(publication):
    person = factories.make_person(name="Olive Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


def make_post(publication, title, body):
    return factories.make_post(publication, title, status=PostStatus.DRAFT, body=body)


def test_notice_starts_near_the_limit_and_says_when_it_is_over():
    assert clip_notice(NEAR_BYTES - 1) is None
    near = clip_notice(95 * KB)
    over = clip_notice(CLIP_BYTES + 1)

    assert (near.kb, near.is_over) == (95, False)
    assert over.is_over is True
    assert over.limit_kb == 102


def test_size_is_the_decoded_html_one_reader_gets(publication, subscribers, smtp_sink, run_worker):
    post = make_post(publication, "Long", LONG_BODY)
    measured = newsletter_html_size(post)

    send = create_send(post)
    run_worker()

    assert send.is_tracked
    received = smtp_sink.messages[0]
    html = received.html
    assert "/t/c/" in html
    actual = len(html.encode("utf-8"))
    # Not the characters (accents are two bytes) nor the quoted-printable transfer encoding
    # (about a third more here): the decoded bytes. The measure fills tokens with 8-digit ids
    # where this test's deliveries have 1-digit ones, and the unsubscribe link's host may differ.
    assert len(html) < actual * 0.97
    assert len(received.raw) > actual * 1.2
    tracked = html.count("/t/c/") + html.count("/t/o/")
    assert abs(measured - actual) <= tracked * 7 + 200


def test_the_measured_html_is_the_html_fan_out_stores(publication):
    post = make_post(publication, "Long", LONG_BODY)

    measured = newsletter_html(post)

    assert measured == create_send(post).html_template


def test_the_database_measures_a_send_as_python_does(publication):
    send = create_send(make_post(publication, "Long", LONG_BODY))

    annotated = (
        Send.objects.annotate(html_size=sent_html_size_expression())
        .values_list("html_size", flat=True)
        .get(id=send.id)
    )

    assert annotated == sent_html_size(send.html_template)
    assert annotated > CLIP_BYTES


def sends_page(client, publication):
    response = client.get(reverse("delivery:desk_sends", args=[publication.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_sends_page_warns_that_a_long_email_is_clipped(client, publication, owner):
    send = create_send(make_post(publication, "Long", LONG_BODY))
    client.force_login(owner)

    content = sends_page(client, publication)

    size = sent_html_size(send.html_template)
    assert "Gmail clips this email." in content
    assert f'data-clip-size="{size}"' in content
    assert f"Its HTML is {round(size / KB)} KB" in content


def test_sends_page_says_nothing_of_clipping_for_a_short_email(client, publication, owner):
    create_send(make_post(publication, "Short", "Two words."))
    client.force_login(owner)

    assert "clip-notice" not in sends_page(client, publication)
