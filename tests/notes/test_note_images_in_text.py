"""Images written into a note's text come only from this install's uploads; others become links."""

import importlib

import pytest
from django.apps import apps

from masthead.notes import services
from masthead.notes.models import Note
from tests.notes.conftest import note_by

pytestmark = pytest.mark.django_db

TRACKER = "https://tracker.example/p.gif"
rerender_migration = importlib.import_module(
    "masthead.notes.migrations.0002_notes_show_only_our_images"
)


def test_a_note_with_a_remote_image_shows_a_link_and_loads_nothing(reader_client, publication):
    response = reader_client.post("/notes/new/", {"body": f"Hi ![pixel]({TRACKER})"})

    assert response.status_code == 302
    note = Note.objects.get()
    assert "<img" not in note.body_html
    assert f'<a href="{TRACKER}" rel="noopener noreferrer nofollow">pixel</a>' in note.body_html
    assert f'src="{TRACKER}"' not in reader_client.get(f"/notes/{note.id}/").text


def test_a_reply_with_a_remote_image_shows_a_link(reader, writer):
    note = note_by(writer, "Thoughts?")

    reply = note_by(reader, f"![]({TRACKER})", parent=note)

    assert "<img" not in reply.body_html
    assert f'href="{TRACKER}"' in reply.body_html


def test_an_edited_note_loses_its_remote_image(reader):
    note = note_by(reader, "Plain.")

    services.edit_note(note, reader, f"Now ![x]({TRACKER})")

    note.refresh_from_db()
    assert "<img" not in note.body_html


def test_a_note_keeps_an_image_uploaded_here(reader):
    note = note_by(reader, "![cat](/media/notes/1/cat.png)")

    assert '<img src="/media/notes/1/cat.png" alt="cat">' in note.body_html


@pytest.mark.parametrize("src", ["//tracker.example/p.gif", "data:image/gif;base64,R0lGODlh"])
def test_protocol_relative_and_data_images_are_not_shown(reader, src):
    note = note_by(reader, f"![x]({src})")

    assert "<img" not in note.body_html


def test_the_migration_rerenders_a_stored_note_that_shows_a_remote_image(reader):
    stored = note_by(reader, f"Old ![pixel]({TRACKER})")
    plain = note_by(reader, "No image.")
    # As the old renderer stored it.
    Note.objects.filter(id=stored.id).update(
        body_html=f'<p>Old <img src="{TRACKER}" alt="pixel"></p>\n'
    )
    Note.objects.filter(id=plain.id).update(body_html="<p>Kept as it was.</p>\n")

    rerender_migration.rerender_notes(apps, None)

    stored.refresh_from_db()
    plain.refresh_from_db()
    assert "<img" not in stored.body_html and f'href="{TRACKER}"' in stored.body_html
    assert plain.body_html == "<p>Kept as it was.</p>\n"
