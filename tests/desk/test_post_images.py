"""Images into posts: the upload endpoint editor.js calls, and the plain form field without it."""

import pytest
from django.urls import reverse

from masthead.posts.models import Post
from tests.desk.editing import edit_url, editor_data, new_url
from tests.desk.image_files import bomb_png_bytes, fake_png_upload, png_upload, upload
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def upload_url(publication) -> str:
    return reverse("desk:post_image_upload", args=[publication.slug])


def stored_files(media_root) -> list:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def test_an_uploaded_image_is_stored_and_its_markdown_returned(
    author_client, publication, media_root
):
    response = author_client.post(
        upload_url(publication), {"image": png_upload(3000, 1500), "image_alt": "A wide view"}
    )

    assert response.status_code == 201
    answer = response.json()
    [stored] = stored_files(media_root)
    assert stored.relative_to(media_root).parts[:2] == ("posts", str(publication.id))
    assert answer["url"] == f"/media/{stored.relative_to(media_root).as_posix()}"
    assert answer["markdown"] == f"![A wide view]({answer['url']})"
    assert (answer["width"], answer["height"]) == (1600, 800)


def test_a_text_file_renamed_png_is_refused_and_nothing_is_stored(
    author_client, publication, media_root
):
    response = author_client.post(
        upload_url(publication), {"image": fake_png_upload(), "image_alt": "Notes"}
    )

    assert response.status_code == 400
    assert response.json()["error"].startswith("This file is not an image Masthead can read.")
    assert stored_files(media_root) == []


def test_a_file_over_the_limit_is_refused_with_the_limit(
    author_client, publication, media_root, settings
):
    settings.MAX_IMAGE_UPLOAD_BYTES = 2048

    response = author_client.post(
        upload_url(publication), {"image": upload(b"\xff" * 5000), "image_alt": "Big"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "This file is 4 KB; images can be at most 2 KB."
    assert stored_files(media_root) == []


def test_a_decompression_bomb_is_refused(author_client, publication, media_root):
    response = author_client.post(
        upload_url(publication), {"image": upload(bomb_png_bytes()), "image_alt": "Boom"}
    )

    assert response.status_code == 400
    assert "too many pixels" in response.json()["error"]
    assert stored_files(media_root) == []


def test_an_image_without_alt_text_is_refused(author_client, publication, media_root):
    response = author_client.post(upload_url(publication), {"image": png_upload()})

    assert response.status_code == 400
    assert response.json()["errors"]["image_alt"] == [
        "Describe the image for readers who cannot see it (alt text)."
    ]
    assert stored_files(media_root) == []


def test_an_upload_without_a_file_asks_for_one(author_client, publication):
    response = author_client.post(upload_url(publication), {"image_alt": "Nothing"})

    assert response.status_code == 400
    assert response.json()["error"] == "Choose an image file to insert."


def test_without_javascript_insert_image_saves_the_draft_with_the_image_at_the_end(
    author_client, publication, draft, media_root
):
    data = editor_data(action="upload", image_alt="A chart", image=png_upload())

    response = author_client.post(edit_url(draft), data)

    assert response.status_code == 302
    [stored] = stored_files(media_root)
    url = f"/media/{stored.relative_to(media_root).as_posix()}"
    draft.refresh_from_db()
    assert draft.body_markdown == f"Draft *words*.\n\n![A chart]({url})\n"
    assert f'<img src="{url}" alt="A chart">' in draft.body_html


def test_without_javascript_a_new_post_is_created_with_its_image(
    author_client, publication, media_root
):
    data = editor_data(title="Pictures", body_markdown="", image_alt="A cat", image=png_upload())

    author_client.post(new_url(publication), data)

    post = Post.objects.get()
    assert post.body_markdown.startswith("![A cat](/media/posts/")


def test_a_fake_image_in_the_form_refuses_the_whole_save(
    author_client, publication, draft, media_root
):
    data = editor_data(body_markdown="Changed.", image_alt="Notes", image=fake_png_upload())

    response = author_client.post(edit_url(draft), data)

    assert response.status_code == 400
    assert "This file is not an image Masthead can read." in response.text
    draft.refresh_from_db()
    assert draft.body_markdown == "Draft *words*."
    assert stored_files(media_root) == []


def test_an_image_is_not_stored_when_the_form_has_other_errors(
    author_client, publication, draft, media_root
):
    data = editor_data(title="", image_alt="A chart", image=png_upload())

    response = author_client.post(edit_url(draft), data)

    assert response.status_code == 400
    assert "Choose the image again" in response.text
    assert stored_files(media_root) == []


def test_an_image_is_removed_again_when_the_save_is_refused(
    author_client, publication, draft, media_root
):
    make_post(publication, "Taken", slug="taken")
    data = editor_data(slug="taken", image_alt="A chart", image=png_upload())

    response = author_client.post(edit_url(draft), data)

    assert response.status_code == 400
    assert stored_files(media_root) == []
