"""A post's cover image: chosen in the editor, replaced, removed; never a 500 for a bad file."""

import pytest
from django.core.files.storage import default_storage

from masthead.posts import services
from masthead.posts.models import Post, PostStatus
from tests.desk.editing import autosave_url, edit_url, editor_data
from tests.desk.image_files import fake_png_upload, png_upload

pytestmark = pytest.mark.django_db


def save_with_cover(client, post, **fields):
    return client.post(edit_url(post), editor_data(cover_image=png_upload(1800, 900), **fields))


def test_the_editor_form_is_multipart_with_a_cover_field(author_client, draft):
    response = author_client.get(edit_url(draft))

    assert 'enctype="multipart/form-data"' in response.text
    assert 'name="cover_image"' in response.text


def test_a_cover_is_saved_with_the_post_under_a_new_name(author_client, draft):
    response = save_with_cover(author_client, draft)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.cover_image.name.startswith("covers/")
    assert "photo" not in draft.cover_image.name
    assert default_storage.exists(draft.cover_image.name)
    assert draft.cover_image.width == 1600  # made no wider than the post images


def test_the_editor_shows_the_cover_it_has(author_client, draft):
    save_with_cover(author_client, draft)
    draft.refresh_from_db()

    response = author_client.get(edit_url(draft))

    assert response.text.count(draft.cover_image.url) == 2  # the thumbnail and the preview
    assert 'name="remove_cover"' in response.text


def test_replacing_the_cover_deletes_the_old_file_after_saving(
    author_client, draft, django_capture_on_commit_callbacks
):
    save_with_cover(author_client, draft)
    draft.refresh_from_db()
    old = draft.cover_image.name
    assert old

    with django_capture_on_commit_callbacks(execute=True):
        save_with_cover(author_client, draft)

    draft.refresh_from_db()
    assert draft.cover_image.name != old
    assert default_storage.exists(draft.cover_image.name)
    assert not default_storage.exists(old)


def test_removing_the_cover(author_client, draft, django_capture_on_commit_callbacks):
    save_with_cover(author_client, draft)
    draft.refresh_from_db()
    old = draft.cover_image.name
    assert old

    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(edit_url(draft), editor_data(remove_cover="on"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.cover_image
    assert not default_storage.exists(old)


def test_saving_without_a_file_keeps_the_cover(author_client, draft):
    save_with_cover(author_client, draft)
    draft.refresh_from_db()
    cover = draft.cover_image.name
    assert cover

    author_client.post(edit_url(draft), editor_data(body_markdown="New words."))
    author_client.post(autosave_url(draft), editor_data(body_markdown="Newer words."))

    draft.refresh_from_db()
    assert draft.cover_image.name == cover


def test_a_cover_that_is_not_an_image_is_refused_and_nothing_is_saved(author_client, draft):
    response = author_client.post(
        edit_url(draft), editor_data(cover_image=fake_png_upload(), body_markdown="Changed.")
    )

    assert response.status_code == 400
    assert "not an image Masthead can read" in response.text
    draft.refresh_from_db()
    assert not draft.cover_image
    assert draft.body_markdown == "Draft *words*."


def test_an_oversize_cover_is_refused_with_the_limit(author_client, draft, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 500

    response = author_client.post(edit_url(draft), editor_data(cover_image=png_upload(400, 400)))

    assert response.status_code == 400
    assert "images can be at most 500 bytes" in response.text
    draft.refresh_from_db()
    assert not draft.cover_image


def test_a_cover_is_not_kept_when_the_slug_is_taken(author_client, publication, draft, author):
    services.create_post(publication, [author], title="Other", slug="taken")

    response = save_with_cover(author_client, draft, slug="taken")

    assert response.status_code == 400
    draft.refresh_from_db()
    assert not draft.cover_image
    assert "Choose the image again" in response.text
    assert not default_storage.exists("covers") or not default_storage.listdir("covers")[1]


def test_deleting_a_post_deletes_its_cover(
    author_client, draft, django_capture_on_commit_callbacks
):
    save_with_cover(author_client, draft)
    draft.refresh_from_db()
    cover = draft.cover_image.name
    assert cover

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(draft)

    assert not Post.objects.filter(id=draft.id).exists()
    assert not default_storage.exists(cover)


def test_publishing_keeps_the_cover_chosen_with_it(author_client, draft):
    response = save_with_cover(author_client, draft, action="publish")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert draft.cover_image
