"""The editor warns the writer when the post's email is long enough for Gmail to clip it."""

import pytest
from django.urls import reverse

from masthead.posts.models import Post
from tests.desk.editing import edit_url, editor_data

pytestmark = pytest.mark.django_db

# About 120 KB of text (accents take two bytes each in UTF-8), with a few links to track.
PARAGRAPH = "Le café du coin sert un crème parfait, dit la rédaction. " * 8
LONG_BODY = "\n\n".join(f"{PARAGRAPH} [Source {n}](https://example.org/{n})" for n in range(260))


def preview(client, publication, **fields):
    url = reverse("desk:post_render_preview", args=[publication.slug])
    response = client.post(url, fields)
    assert response.status_code == 200
    return response.json()


def test_saving_a_long_post_shows_that_gmail_clips_its_email(author_client, draft):
    response = author_client.post(
        edit_url(draft), editor_data(body_markdown=LONG_BODY), follow=True
    )

    assert response.status_code == 200
    assert len(Post.objects.get(id=draft.id).body_markdown) > 120_000
    content = response.content.decode()
    assert "Gmail clips this email." in content
    assert "Shorten the post or split it in two." in content


def test_a_short_post_shows_no_clipping_notice(author_client, draft):
    response = author_client.get(edit_url(draft))

    assert response.status_code == 200
    assert "notice clip-notice" not in response.content.decode()


def test_the_no_script_preview_warns_before_anything_is_saved(author_client, draft):
    response = author_client.post(
        edit_url(draft), editor_data(body_markdown=LONG_BODY, action="preview")
    )

    assert response.status_code == 200
    assert "Gmail clips this email." in response.content.decode()
    assert Post.objects.get(id=draft.id).body_markdown == "Draft *words*."


def test_the_live_preview_answers_with_the_notice_for_a_long_post(author_client, publication):
    long = preview(author_client, publication, body_markdown=LONG_BODY, title="Long")
    short = preview(author_client, publication, body_markdown="Two words.", title="Short")

    assert "Gmail clips this email." in long["clip_notice"]
    assert "clip_notice" not in short


def test_a_long_paid_post_is_not_clipped_because_its_email_is_the_preview(
    author_client, publication
):
    answer = preview(
        author_client, publication, body_markdown=LONG_BODY, title="Paid", audience="paid"
    )

    assert "<p>" in answer["html"]
    assert "clip_notice" not in answer


def test_the_live_preview_refuses_people_outside_the_publication(client, reader, publication):
    client.force_login(reader)
    url = reverse("desk:post_render_preview", args=[publication.slug])

    response = client.post(url, {"body_markdown": LONG_BODY})

    assert response.status_code == 404
