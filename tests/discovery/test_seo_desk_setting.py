"""The desk's settings can hide a publication from search engines, and show it again."""

import pytest
from django.urls import reverse

from masthead.publications.models import Membership, Role
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, publication):
    owner = make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)
    return client


def settings_data(publication, **fields) -> dict:
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


def test_the_settings_page_offers_the_box_with_its_help(owner_client, publication):
    response = owner_client.get(reverse("desk:settings", args=[publication.slug]))

    assert response.status_code == 200
    assert 'type="checkbox" name="is_hidden_from_search_engines"' in response.text
    assert "Hide from search engines" in response.text


def test_ticking_the_box_hides_the_publication(owner_client, publication):
    response = owner_client.post(
        reverse("desk:settings", args=[publication.slug]),
        settings_data(publication, is_hidden_from_search_engines="on"),
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.is_hidden_from_search_engines is True
    assert "Disallow: /" in owner_client.get("/robots.txt").text.splitlines()


def test_leaving_the_box_empty_shows_the_publication_again(owner_client, publication):
    publication.is_hidden_from_search_engines = True
    publication.save()

    response = owner_client.post(
        reverse("desk:settings", args=[publication.slug]), settings_data(publication)
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.is_hidden_from_search_engines is False


def test_a_reader_cannot_change_the_setting(client, publication, reader):
    client.force_login(reader)

    response = client.post(
        reverse("desk:settings", args=[publication.slug]),
        settings_data(publication, is_hidden_from_search_engines="on"),
    )

    assert response.status_code in (403, 404)
    publication.refresh_from_db()
    assert publication.is_hidden_from_search_engines is False
