"""Editing and deleting notes: only one's own."""

import pytest

from masthead.notes import services
from masthead.notes.models import Note
from tests.notes.conftest import note_by, signed_in

pytestmark = pytest.mark.django_db


def test_deleting_ones_own_note_empties_it_and_keeps_its_replies(writer, reader):
    note = note_by(writer, "Oops")
    reply = note_by(reader, "Reply", parent=note)

    response = signed_in(writer).post(f"/notes/{note.id}/delete/")

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.is_deleted and note.body_markdown == "" and note.body_html == ""
    assert Note.objects.filter(id=reply.id).exists()
    page = signed_in(reader).get(f"/notes/{note.id}/")
    assert "This note was deleted." in page.text and "Oops" not in page.text


def test_deleting_someone_elses_note_is_a_404(reader_client, writer):
    note = note_by(writer, "Mine")

    response = reader_client.post(f"/notes/{note.id}/delete/")

    assert response.status_code == 404
    note.refresh_from_db()
    assert not note.is_deleted


def test_editing_someone_elses_note_is_a_404(reader_client, writer):
    note = note_by(writer, "Mine")

    assert reader_client.get(f"/notes/{note.id}/edit/").status_code == 404
    response = reader_client.post(f"/notes/{note.id}/edit/", {"body": "Hijacked"})

    assert response.status_code == 404
    note.refresh_from_db()
    assert note.body_markdown == "Mine"


def test_editing_ones_own_note(writer):
    note = note_by(writer, "Typo")

    response = signed_in(writer).post(f"/notes/{note.id}/edit/", {"body": "Fixed"})

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body_html == "<p>Fixed</p>\n" and note.edited_at is not None


def test_the_services_refuse_other_peoples_notes(writer, reader):
    note = note_by(writer)

    with pytest.raises(services.rules.NoteRefused):
        services.delete_note(note, reader)
    with pytest.raises(services.rules.NoteRefused):
        services.edit_note(note, reader, "x")


def test_signed_out_delete_goes_to_sign_in(client, writer):
    note = note_by(writer)

    response = client.post(f"/notes/{note.id}/delete/")

    assert response.status_code == 302
    note.refresh_from_db()
    assert not note.is_deleted
