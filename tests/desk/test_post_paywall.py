"""The paywall in the editor: the control of a paid post, the divider in its preview, and what
saving stores for readers without access."""

import re

import pytest
from django.urls import reverse

from masthead.posts.models import Audience, Post, PostStatus
from masthead.posts.paywall import PAYWALL_MARKER
from tests.desk.editing import edit_url, editor_data
from tests.factories import make_post

pytestmark = pytest.mark.django_db

DIVIDER = "Paid subscribers only below this line"
AUTOMATIC = "Placed after the first blocks"
BODY = f"Free paragraph.\n\n{PAYWALL_MARKER}\n\nThe paid secret.\n\nMore paid."


def render_url(publication) -> str:
    return reverse("desk:post_render_preview", args=[publication.slug])


def paywall_control(html: str) -> str:
    return re.search(r"<div class=\"editor-paywall\"[^>]*>", html)[0]


def test_a_paid_posts_editor_offers_the_paywall_control_and_its_help(
    author_client, publication, author
):
    post = make_post(publication, status=PostStatus.DRAFT, author=author, audience=Audience.PAID)

    response = author_client.get(edit_url(post))

    assert response.status_code == 200
    assert " hidden" not in paywall_control(response.text)
    assert "Insert paywall</button>" in response.text
    # Without JavaScript the button stays hidden and the help says what to type.
    assert "<code>&lt;!-- paywall --&gt;</code> on a line of its own" in response.text


def test_a_free_posts_editor_hides_the_paywall_control(author_client, draft):
    response = author_client.get(edit_url(draft))

    assert response.status_code == 200
    assert " hidden" in paywall_control(response.text)


def test_the_live_preview_of_a_paid_post_shows_the_divider_at_the_marker(
    author_client, publication
):
    response = author_client.post(
        render_url(publication), {"body_markdown": BODY, "audience": Audience.PAID}
    )

    assert response.status_code == 200
    html = response.json()["html"]
    assert html.index("Free paragraph.") < html.index(DIVIDER) < html.index("The paid secret.")
    assert "More paid." in html
    assert "paywall --" not in html
    assert AUTOMATIC not in html


def test_the_live_preview_shows_where_the_paywall_falls_without_a_marker(
    author_client, publication
):
    body = "First.\r\n  \r\nSecond.\r\n\r\nThird."

    response = author_client.post(
        render_url(publication), {"body_markdown": body, "audience": Audience.PAID}
    )

    html = response.json()["html"]
    assert html.index("First.") < html.index(DIVIDER) < html.index("Second.")
    assert AUTOMATIC in html


def test_the_live_preview_of_a_free_post_has_no_divider_and_no_marker(author_client, publication):
    response = author_client.post(
        render_url(publication), {"body_markdown": BODY, "audience": Audience.EVERYONE}
    )

    html = response.json()["html"]
    assert html == "<p>Free paragraph.</p>\n<p>The paid secret.</p>\n<p>More paid.</p>\n"


def test_the_preview_button_shows_the_divider_without_saving(author_client, draft):
    response = author_client.post(
        edit_url(draft), editor_data(action="preview", audience="paid", body_markdown=BODY)
    )

    assert response.status_code == 200
    assert DIVIDER in response.text
    assert " hidden" not in paywall_control(response.text)
    draft.refresh_from_db()
    assert draft.audience == Audience.EVERYONE and draft.body_markdown == "Draft *words*."


def test_saving_a_paid_post_stores_the_part_above_the_marker_as_its_preview(author_client, draft):
    response = author_client.post(edit_url(draft), editor_data(audience="paid", body_markdown=BODY))

    assert response.status_code == 302
    draft = Post.objects.get(id=draft.id)
    assert draft.preview_html == "<p>Free paragraph.</p>\n"
    assert draft.body_html == (
        "<p>Free paragraph.</p>\n<p>The paid secret.</p>\n<p>More paid.</p>\n"
    )
    assert DIVIDER not in draft.body_html


def test_a_reader_who_is_not_staff_gets_no_preview(client, publication, reader):
    client.force_login(reader)

    response = client.post(
        render_url(publication), {"body_markdown": BODY, "audience": Audience.PAID}
    )

    assert response.status_code == 404
    assert "Free paragraph." not in response.text
