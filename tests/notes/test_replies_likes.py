"""Replies and likes on notes: one level of replies, one like per person, bans on every path."""

import pytest
from django.urls import reverse

from masthead.engagement.models import Ban
from masthead.notes import services
from masthead.notes.models import Note, NoteLike
from masthead.notes.rules import NoteRefused
from tests.notes.conftest import note_by, signed_in

pytestmark = pytest.mark.django_db


def test_a_reply_shows_under_its_note_and_counts(reader_client, reader, writer):
    note = note_by(writer, "Thoughts?")

    response = reader_client.post("/notes/new/", {"body": "Yes!", "parent": note.id})

    reply = Note.objects.get(parent=note)
    assert response.status_code == 302
    assert response["Location"] == f"/notes/{note.id}/#note-{reply.id}"
    note.refresh_from_db()
    assert note.reply_count == 1
    page = reader_client.get(f"/notes/{note.id}/")
    assert "Yes!" in page.text


def test_a_reply_to_a_reply_joins_the_same_thread(reader, writer):
    note = note_by(writer, "Thoughts?")
    first = note_by(reader, "Yes", parent=note)

    second = note_by(writer, "Thanks", parent=first)

    assert second.parent_id == note.id
    note.refresh_from_db()
    assert note.reply_count == 2


def test_replies_stay_off_the_publication_page(client, reader, writer, publication):
    note = note_by(writer, "Top level")
    note_by(reader, "A reply only", parent=note)
    note_by(writer, "Writer's own reply", parent=note)

    page = client.get("/notes/")

    assert "Top level" in page.text and "reply only" not in page.text
    assert "own reply" not in page.text


def test_replying_to_a_deleted_note_is_refused(reader_client, writer):
    note = note_by(writer, "Soon gone")
    services.delete_note(note, writer)

    response = reader_client.post("/notes/new/", {"body": "Hello?", "parent": note.id})

    assert response.status_code == 403
    assert "This note was deleted." in response.text
    assert not Note.objects.filter(parent=note).exists()


def test_a_banned_reader_cannot_reply_to_the_publications_writers(
    reader_client, reader, writer, publication
):
    note = note_by(writer, "Thoughts?")
    Ban.objects.create(publication=publication, person=reader)

    response = reader_client.post("/notes/new/", {"body": "Troll", "parent": note.id})

    assert response.status_code == 403
    assert "stopped you" in response.text
    assert not Note.objects.filter(parent=note).exists()


def test_a_banned_reader_cannot_like_or_restack_the_writers_notes(
    reader_client, reader, writer, publication
):
    note = note_by(writer, "Thoughts?")
    Ban.objects.create(publication=publication, person=reader)

    liked = reader_client.post(f"/notes/{note.id}/like/", {"action": "like"})
    restacked = reader_client.post(f"/notes/{note.id}/restack/", {"body": ""})

    assert liked.status_code == 403 and restacked.status_code == 403
    assert not NoteLike.objects.exists()
    assert Note.objects.count() == 1


def test_a_ban_elsewhere_does_not_stop_replies_here(reader, writer):
    from tests.factories import make_publication

    Ban.objects.create(publication=make_publication(), person=reader)
    note = note_by(writer, "Thoughts?")

    assert note_by(reader, "Fine", parent=note).parent_id == note.id


def test_liking_a_note_twice_makes_one_like(reader_client, reader, writer):
    note = note_by(writer)

    reader_client.post(f"/notes/{note.id}/like/", {"action": "like"})
    response = reader_client.post(f"/notes/{note.id}/like/", {"action": "like"})

    assert response.status_code == 302
    assert NoteLike.objects.filter(note=note, person=reader).count() == 1
    note.refresh_from_db()
    assert note.like_count == 1


def test_a_like_raced_past_the_lookup_is_absorbed_by_the_unique_constraint(
    reader, writer, monkeypatch
):
    note = note_by(writer)
    # The other tab inserted its row between this request's SELECT and INSERT.
    NoteLike.objects.create(note=note, person=reader)

    def create_blindly(**fields):
        return NoteLike.objects.create(**fields), True

    monkeypatch.setattr(NoteLike.objects, "get_or_create", create_blindly)
    assert services.like_note(note, reader) is False
    monkeypatch.undo()

    assert NoteLike.objects.filter(note=note, person=reader).count() == 1


def test_unliking_toggles_the_like_off_and_fetch_gets_json(reader_client, reader, writer):
    note = note_by(writer)
    services.like_note(note, reader)

    response = reader_client.post(
        f"/notes/{note.id}/like/", {"action": "unlike"}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 200
    assert response.json() == {"is_liked": False, "like_count": 0}
    assert not NoteLike.objects.exists()


def test_liking_a_deleted_note_is_refused_clearly(reader_client, writer):
    note = note_by(writer)
    services.delete_note(note, writer)

    response = reader_client.post(
        f"/notes/{note.id}/like/", {"action": "like"}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 403
    assert response.json() == {"error": "This note was deleted."}


def test_signed_out_likes_go_to_sign_in(client, writer):
    note = note_by(writer)

    response = client.post(f"/notes/{note.id}/like/", {"action": "like"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert not NoteLike.objects.exists()


def test_the_service_refuses_signed_out_likes(writer):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NoteRefused):
        services.like_note(note_by(writer), AnonymousUser())


def test_liking_an_unknown_note_is_a_404(reader_client, db):
    assert reader_client.post("/notes/999999/like/").status_code == 404


def test_a_writer_sees_their_like_state_on_the_page(writer, reader, publication):
    note = note_by(writer, "Liked one")
    services.like_note(note, reader)

    page = signed_in(reader).get("/notes/")

    assert 'aria-pressed="true"' in page.text
