"""The account page's profile: name, short bio and photo, as they appear beside what one writes."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from masthead.accounts import services
from masthead.accounts.models import Person
from tests.desk.image_files import fake_png_upload, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed_in(client, reader):
    client.force_login(reader)
    return client


def account_url() -> str:
    return reverse("accounts:account")


def profile(**fields) -> dict:
    return {"display_name": "Rea Reader", "bio": "", **fields}


def test_the_profile_form_takes_a_photo_and_a_bio(signed_in):
    response = signed_in.get(account_url())

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert 'name="avatar"' in response.text and 'name="bio"' in response.text


def test_a_bio_is_saved_on_one_line(signed_in, reader):
    response = signed_in.post(account_url(), profile(bio="  Writes about\r\nbridges.  "))

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.bio == "Writes about bridges."


def test_a_bio_over_300_characters_is_refused(signed_in, reader):
    response = signed_in.post(account_url(), profile(bio="x" * 301))

    assert response.status_code == 400
    assert "Keep your bio to 300 characters or fewer (it has 301)." in response.text
    reader.refresh_from_db()
    assert reader.bio == ""


def test_a_photo_is_saved_small_under_a_new_name(signed_in, reader):
    response = signed_in.post(account_url(), profile(avatar=png_upload(900, 900, "me.png")))

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.avatar.name.startswith("avatars/")
    assert "me" not in reader.avatar.name.removeprefix("avatars/")
    assert (reader.avatar.width, reader.avatar.height) == (400, 400)


def test_replacing_the_photo_deletes_the_old_file(
    signed_in, reader, django_capture_on_commit_callbacks
):
    signed_in.post(account_url(), profile(avatar=png_upload()))
    reader.refresh_from_db()
    old = reader.avatar.name
    assert old

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(account_url(), profile(avatar=png_upload()))

    reader.refresh_from_db()
    assert reader.avatar.name != old
    assert not default_storage.exists(old)


def test_removing_the_photo(signed_in, reader, django_capture_on_commit_callbacks):
    signed_in.post(account_url(), profile(avatar=png_upload()))
    reader.refresh_from_db()
    old = reader.avatar.name
    assert old

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(account_url(), profile(remove_avatar="on"))

    assert response.status_code == 302
    reader.refresh_from_db()
    assert not reader.avatar
    assert not default_storage.exists(old)


def test_saving_the_name_keeps_the_photo(signed_in, reader):
    signed_in.post(account_url(), profile(avatar=png_upload()))
    reader.refresh_from_db()
    photo = reader.avatar.name
    assert photo

    signed_in.post(account_url(), profile(display_name="New Name"))

    reader.refresh_from_db()
    assert (reader.display_name, reader.avatar.name) == ("New Name", photo)


def test_a_file_that_is_not_an_image_is_refused_with_a_message(signed_in, reader):
    response = signed_in.post(account_url(), profile(avatar=fake_png_upload(), bio="Hello"))

    assert response.status_code == 400
    assert "not an image Masthead can read" in response.text
    reader.refresh_from_db()
    assert not reader.avatar and reader.bio == ""


def test_an_oversize_photo_is_refused(signed_in, reader, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 100

    response = signed_in.post(account_url(), profile(avatar=png_upload(200, 200)))

    assert response.status_code == 400
    assert "images can be at most 100 bytes" in response.text


def test_deleting_the_account_deletes_the_photo(
    signed_in, reader, django_capture_on_commit_callbacks
):
    signed_in.post(account_url(), profile(avatar=png_upload()))
    reader.refresh_from_db()
    photo = reader.avatar.name
    assert photo

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_account(reader)

    assert not Person.objects.filter(id=reader.id).exists()
    assert not default_storage.exists(photo)


def test_nobody_signed_out_can_change_a_profile(client, reader):
    response = client.post(account_url(), profile(bio="Hacked"))

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.bio == ""
