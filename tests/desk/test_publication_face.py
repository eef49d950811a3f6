"""The desk's settings give a publication a face: logo, accent colour, social image, and the
postal address its emails carry."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from masthead.publications.models import Publication
from tests.desk.image_files import fake_png_upload, image_bytes, png_upload, upload

pytestmark = pytest.mark.django_db


def settings_url(publication) -> str:
    return reverse("desk:settings", args=[publication.slug])


def settings_data(publication, **fields) -> dict:
    """What the settings form posts when the writer changes only `fields`."""
    data = {
        "name": publication.name,
        "tagline": publication.tagline,
        "about": publication.about_markdown,
        "comment_policy": publication.comment_policy,
        "time_zone": publication.time_zone,
        "accent_color": publication.accent_color,
        "accent_color_picker": publication.accent_color,
        "postal_address": publication.postal_address,
    }
    data.update(fields)
    return data


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_the_settings_page_offers_the_publications_face(owner_client, publication):
    response = owner_client.get(settings_url(publication))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    for name in ("logo", "accent_color", "accent_color_picker", "postal_address", "social_image"):
        assert f'name="{name}"' in response.text
    assert "Shown in every email&#x27;s footer, as anti-spam laws ask." in response.text


def test_a_logo_is_uploaded_under_a_name_nobody_can_guess(owner_client, publication):
    response = owner_client.post(
        settings_url(publication), settings_data(publication, logo=png_upload(name="me.png"))
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.logo.name.startswith("logos/")
    assert "me" not in publication.logo.name.removeprefix("logos/")
    assert default_storage.exists(publication.logo.name)


def test_replacing_the_logo_deletes_the_old_file(
    owner_client, publication, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(settings_url(publication), settings_data(publication, logo=png_upload()))
    publication.refresh_from_db()
    first = publication.logo.name

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(settings_url(publication), settings_data(publication, logo=png_upload()))

    publication.refresh_from_db()
    assert publication.logo.name != first
    assert default_storage.exists(publication.logo.name)
    assert not default_storage.exists(first)


def test_saving_other_settings_keeps_the_images(owner_client, publication):
    owner_client.post(
        settings_url(publication),
        settings_data(publication, logo=png_upload(), social_image=png_upload(1200, 630)),
    )
    publication.refresh_from_db()
    logo, social = publication.logo.name, publication.social_image.name
    assert logo and social

    response = owner_client.post(settings_url(publication), settings_data(publication, name="New"))

    assert response.status_code == 302
    publication.refresh_from_db()
    assert (publication.name, publication.logo.name, publication.social_image.name) == (
        "New",
        logo,
        social,
    )


def test_removing_the_social_image_empties_it_and_deletes_its_file(
    owner_client, publication, django_capture_on_commit_callbacks
):
    owner_client.post(
        settings_url(publication), settings_data(publication, social_image=png_upload())
    )
    publication.refresh_from_db()
    old = publication.social_image.name
    assert old

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            settings_url(publication), settings_data(publication, remove_social_image="on")
        )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert not publication.social_image
    assert not default_storage.exists(old)


def test_a_file_that_is_not_an_image_is_refused_with_a_message(owner_client, publication):
    response = owner_client.post(
        settings_url(publication), settings_data(publication, logo=fake_png_upload(), name="New")
    )

    assert response.status_code == 400
    assert "not an image Masthead can read" in response.text
    publication.refresh_from_db()
    assert not publication.logo
    assert publication.name != "New"


def test_an_oversize_image_is_refused_with_a_message(owner_client, publication, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1000

    response = owner_client.post(
        settings_url(publication),
        settings_data(publication, social_image=upload(image_bytes(300, 300, "BMP"), "big.bmp")),
    )

    assert response.status_code == 400
    assert "images can be at most 1000 bytes" in response.text
    assert not Publication.objects.get(id=publication.id).social_image


def test_the_accent_colour_is_saved_lowercased(owner_client, publication):
    response = owner_client.post(
        settings_url(publication), settings_data(publication, accent_color=" #1A5FB4 ")
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.accent_color == "#1a5fb4"


def test_the_colour_picker_counts_when_only_it_was_changed(owner_client, publication):
    response = owner_client.post(
        settings_url(publication), settings_data(publication, accent_color_picker="#2a6041")
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.accent_color == "#2a6041"


def test_an_empty_accent_colour_is_the_default(owner_client, publication):
    Publication.objects.filter(id=publication.id).update(accent_color="#2a6041")
    publication.refresh_from_db()

    owner_client.post(
        settings_url(publication),
        settings_data(publication, accent_color="", accent_color_picker="#2a6041"),
    )

    publication.refresh_from_db()
    assert publication.accent_color == "#b4431b"


@pytest.mark.parametrize("color", ["red", "#abc", "#12345g", "#1234567", "1a5fb4"])
def test_a_colour_not_written_as_rrggbb_is_refused(owner_client, publication, color):
    response = owner_client.post(
        settings_url(publication), settings_data(publication, accent_color=color)
    )

    assert response.status_code == 400
    assert "six hexadecimal digits" in response.text
    publication.refresh_from_db()
    assert publication.accent_color == "#b4431b"


@pytest.mark.parametrize("color", ["#ffcc00", "#ff0000", "#777777", "#ffffff"])
def test_a_colour_too_light_for_white_text_or_links_is_refused_in_words(
    owner_client, publication, color
):
    response = owner_client.post(
        settings_url(publication), settings_data(publication, accent_color=color)
    )

    assert response.status_code == 400
    assert f"{color} is too light to read" in response.text
    assert "at least 4.5:1" in response.text
    publication.refresh_from_db()
    assert publication.accent_color == "#b4431b"


def test_the_postal_address_keeps_its_lines(owner_client, publication):
    response = owner_client.post(
        settings_url(publication),
        settings_data(
            publication, postal_address="  The Daily Build\r\n\r\n1  Main Street\r\nSpringfield "
        ),
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.postal_address == "The Daily Build\n1 Main Street\nSpringfield"


def test_an_author_cannot_upload_a_logo(client, publication, author):
    client.force_login(author)

    response = client.post(settings_url(publication), settings_data(publication, logo=png_upload()))

    assert response.status_code == 403
    publication.refresh_from_db()
    assert not publication.logo
