"""Restacks: sharing a post or a note into one's own notes, with an optional comment."""

import pytest
from django.urls import reverse

from masthead.notes import services
from masthead.notes.models import Note
from tests.notes.conftest import note_by

pytestmark = pytest.mark.django_db


def test_restacking_a_post_without_a_comment(reader_client, reader, published_post):
    response = reader_client.post(f"/notes/restack/p/{published_post.slug}/", {"body": ""})

    assert response.status_code == 302 and response["Location"] == "/notes/feed/"
    restack = Note.objects.get()
    assert restack.author == reader and restack.restack_of_post == published_post
    assert restack.body_markdown == ""
    feed = reader_client.get("/notes/feed/")
    assert published_post.title in feed.text and "restacked" in feed.text


def test_the_restack_page_shows_the_post_card(reader_client, published_post):
    response = reader_client.get(f"/notes/restack/p/{published_post.slug}/")

    assert response.status_code == 200
    assert published_post.title in response.text


def test_restacking_a_note_with_a_comment(reader_client, reader, writer):
    note = note_by(writer, "Original thought")

    response = reader_client.post(f"/notes/{note.id}/restack/", {"body": "So **true**"})

    assert response.status_code == 302
    restack = Note.objects.get(restack_of_note=note)
    assert restack.body_html == "<p>So <strong>true</strong></p>\n"
    note.refresh_from_db()
    assert note.restack_count == 1
    feed = reader_client.get("/notes/feed/")
    assert "Original thought" in feed.text and "So <strong>true</strong>" in feed.text


def test_restacking_a_bare_restack_shares_the_original(reader, writer, published_post):
    bare = services.post_note(writer, restack_of_post=published_post)

    again = services.post_note(reader, restack_of_note=bare)

    assert again.restack_of_post == published_post and again.restack_of_note is None


def test_restacking_a_deleted_note_is_refused(reader_client, writer):
    note = note_by(writer)
    services.delete_note(note, writer)

    response = reader_client.post(f"/notes/{note.id}/restack/", {"body": "Hm"})

    assert response.status_code == 403
    assert Note.objects.count() == 1


def test_signed_out_restack_goes_to_sign_in(client, published_post):
    response = client.get(f"/notes/restack/p/{published_post.slug}/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert not Note.objects.exists()


def test_restacking_a_draft_is_a_404(reader_client, publication):
    from tests.factories import make_post

    draft = make_post(publication, "Draft", status="draft")

    assert reader_client.get(f"/notes/restack/p/{draft.slug}/").status_code == 404
