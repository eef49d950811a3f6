"""Posting notes: who may, what a note may hold, and what is refused with a clear message."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from masthead.engagement.models import Ban
from masthead.notes import services
from masthead.notes.models import Note
from masthead.notes.rules import NoteRefused
from tests.desk.image_files import fake_png_upload, png_upload
from tests.factories import make_post
from tests.notes.conftest import note_by, signed_in

pytestmark = pytest.mark.django_db

CREATE = "/notes/new/"


def test_signed_out_posting_goes_to_sign_in_and_saves_nothing(client, publication):
    response = client.post(CREATE, {"body": "Hello"})

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("accounts:sign_in")
    assert parse_qs(location.query)["next"] == ["/notes/"]
    assert not Note.objects.exists()


def test_a_reader_posts_a_note_from_the_feed_and_returns_there(reader_client, reader, publication):
    response = reader_client.post(CREATE, {"body": "First *note*", "next": "/notes/feed/"})

    assert response.status_code == 302 and response["Location"] == "/notes/feed/"
    note = Note.objects.get()
    assert note.author == reader and note.publication is None
    assert note.body_html == "<p>First <em>note</em></p>\n"


def test_a_note_with_an_image_and_a_post_link_shows_both(
    reader_client, publication, published_post, media_root
):
    response = reader_client.post(
        CREATE,
        {
            "body": "Read this",
            "image": png_upload(2400, 1200),
            "post_address": f"http://testserver/p/{published_post.slug}/",
        },
    )

    assert response.status_code == 302
    note = Note.objects.get()
    assert note.linked_post == published_post
    assert note.image.name.startswith(f"notes/{note.author_id}/")
    assert note.image.width == services.NOTE_IMAGE_WIDTH  # resized
    page = reader_client.get(f"/people/{note.author_id}/notes/")
    assert note.image.url in page.text
    assert 'class="post-card"' in page.text and published_post.title in page.text
    assert publication.name in page.text


def test_a_fake_image_is_refused_with_the_reason(reader_client, publication, media_root):
    response = reader_client.post(CREATE, {"body": "Look", "image": fake_png_upload()})

    assert response.status_code == 400
    assert "not an image Masthead can read" in response.text
    assert not Note.objects.exists()


def test_an_unknown_post_address_is_a_404_and_saves_nothing(reader_client, publication):
    response = reader_client.post(CREATE, {"body": "See", "post_address": "/p/no-such-post/"})

    assert response.status_code == 404
    assert not Note.objects.exists()


def test_a_huge_body_is_refused_with_a_clear_message(reader_client, publication):
    response = reader_client.post(CREATE, {"body": "x" * 2_001})

    assert response.status_code == 400
    assert "at most 2,000 characters; this one has 2,001" in response.text
    assert not Note.objects.exists()


def test_an_absurdly_huge_body_is_refused_by_the_form(reader_client, publication):
    response = reader_client.post(CREATE, {"body": "x" * 50_000})

    assert response.status_code == 400
    assert not Note.objects.exists()


def test_an_empty_note_is_refused(reader_client, publication):
    response = reader_client.post(CREATE, {"body": "   "})

    assert response.status_code == 400
    assert "Write something first." in response.text


def test_script_html_and_javascript_links_are_inert(reader_client, reader, publication):
    body = '<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>'
    reader_client.post(CREATE, {"body": body})

    note = Note.objects.get()
    assert "<script" not in note.body_html and "<img" not in note.body_html
    assert '<a href="javascript' not in note.body_html
    page = reader_client.get(f"/people/{reader.pk}/notes/")
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text


def test_staff_post_as_the_publication(publication, writer):
    response = signed_in(writer).post(CREATE, {"body": "From the desk", "as_publication": "on"})

    assert response.status_code == 302
    assert Note.objects.get().publication == publication


def test_a_reader_cannot_post_as_the_publication(reader_client, publication):
    response = reader_client.post(CREATE, {"body": "Pretending", "as_publication": "on"})

    assert response.status_code == 403
    assert "Only the publication&#x27;s staff" in response.text
    assert not Note.objects.exists()


def test_a_banned_person_cannot_link_the_publications_post(
    reader_client, reader, publication, published_post
):
    Ban.objects.create(publication=publication, person=reader)

    response = reader_client.post(
        CREATE, {"body": "See", "post_address": f"/p/{published_post.slug}/"}
    )

    assert response.status_code == 403
    assert "stopped you" in response.text
    assert not Note.objects.exists()


def test_drafts_cannot_be_linked(reader, publication):
    draft = make_post(publication, "Secret draft", status="draft")

    with pytest.raises(NoteRefused, match="no longer available"):
        services.post_note(reader, "See", linked_post=draft)


def test_the_twenty_first_note_in_ten_minutes_is_refused(reader_client, reader, publication):
    for index in range(20):
        note_by(reader, f"Note {index}")

    response = reader_client.post(CREATE, {"body": "One more"})

    assert response.status_code == 429
    assert "Please wait" in response.text
    assert Note.objects.count() == 20


def test_the_service_refuses_anonymous_people(publication):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NoteRefused):
        services.post_note(AnonymousUser(), "Hello")
