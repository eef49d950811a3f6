"""Scheduled notes: a publication's staff write a note ahead; it stays hidden until its moment."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from masthead.notes import queries, services
from masthead.notes.models import Note
from masthead.notes.rules import NoteRefused
from masthead.notes.tasks import publish_scheduled_note
from tests.factories import make_person
from tests.notes.conftest import note_by, signed_in, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_note_rate")]

CREATE = "/notes/new/"


def in_minutes(minutes: int) -> dt.datetime:
    return (timezone.now() + dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def schedule(writer, publication, minutes: int = 60, body: str = "Coming soon") -> Note:
    return note_by(writer, body, publication=publication, scheduled_for=in_minutes(minutes))


def bodies(page) -> list[str]:
    return [card.note.body_markdown for card in page.cards]


def test_a_scheduled_note_is_hidden_from_every_feed_and_page(client, publication, writer, reader):
    subscribe(reader, publication)
    note_by(writer, "Out now", publication=publication)
    note = schedule(writer, publication)

    assert bodies(queries.publication_notes_page(publication, reader)) == ["Out now"]
    assert bodies(queries.feed_page(reader)) == ["Out now"]
    assert bodies(queries.person_notes_page(writer, reader)) == ["Out now"]
    assert "Coming soon" not in client.get("/notes/").text
    assert "Coming soon" not in client.get(f"/people/{writer.pk}/notes/").text
    assert client.get(reverse("notes:detail", args=[note.id])).status_code == 404
    # (The API's note list is publication_notes_page too.)


def test_nobody_can_like_reply_to_or_restack_a_scheduled_note(publication, writer, reader):
    note = schedule(writer, publication)
    reader_client = signed_in(reader)

    assert reader_client.post(reverse("notes:like", args=[note.id])).status_code == 404
    assert reader_client.get(reverse("notes:restack", args=[note.id])).status_code == 404
    response = reader_client.post(CREATE, {"body": "Reply", "parent": note.id})
    assert response.status_code == 404
    assert Note.objects.count() == 1


def test_the_publications_staff_may_preview_a_scheduled_note_on_its_page(publication, writer):
    note = schedule(writer, publication)

    response = signed_in(writer).get(reverse("notes:detail", args=[note.id]))

    assert response.status_code == 200
    assert "Coming soon" in response.text


def test_the_task_publishes_the_note_when_its_time_comes(publication, writer, run_worker):
    note = schedule(writer, publication, minutes=30)
    task = DBTaskResult.objects.get(task_path=publish_scheduled_note.module_path)
    assert task.run_after == note.scheduled_for

    run_worker()  # too early: nothing happens
    note.refresh_from_db()
    assert note.is_scheduled

    with time_machine.travel(note.scheduled_for + dt.timedelta(seconds=5), tick=False):
        run_worker()
        note.refresh_from_db()
        assert note.scheduled_for is None
        assert note.created_at == timezone.now()  # takes its place in the feeds when it appears
    assert bodies(queries.publication_notes_page(publication, make_person())) == ["Coming soon"]


def test_publish_due_notes_catches_up_on_a_lost_task_and_publishes_once(publication, writer):
    due = schedule(writer, publication, minutes=30, body="Due")
    later = schedule(writer, publication, minutes=90, body="Later")
    DBTaskResult.objects.all().delete()  # the tasks were lost

    with time_machine.travel(due.scheduled_for + dt.timedelta(minutes=1), tick=False):
        assert services.publish_due_notes() == 1
        assert services.publish_due_notes() == 0
        # The task, had it survived, would now find nothing to do.
        assert publish_scheduled_note.call(due.id, due.scheduled_for.isoformat()) is False

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.scheduled_for is None
    assert later.is_scheduled


def test_a_deleted_scheduled_note_is_never_published(publication, writer):
    note = schedule(writer, publication, minutes=30)
    services.delete_note(note, writer)

    with time_machine.travel(note.scheduled_for + dt.timedelta(minutes=1), tick=False):
        assert services.publish_due_notes() == 0
        assert publish_scheduled_note.call(note.id, note.scheduled_for.isoformat()) is False

    assert bodies(queries.publication_notes_page(publication, writer)) == []


def test_a_task_run_before_its_time_does_nothing(publication, writer):
    note = schedule(writer, publication, minutes=30)

    assert publish_scheduled_note.call(note.id, note.scheduled_for.isoformat()) is False

    note.refresh_from_db()
    assert note.is_scheduled


def test_a_scheduled_note_goes_out_as_the_publication_without_ticking_the_box(publication, writer):
    future = timezone.localtime(in_minutes(90)).strftime("%Y-%m-%dT%H:%M")

    response = signed_in(writer).post(CREATE, {"body": "Ahead", "schedule_for": future})

    assert response.status_code == 302
    assert Note.objects.get().publication == publication


def test_staff_schedule_a_note_from_the_composer_in_the_publications_time_zone(
    publication, writer, settings
):
    settings.TIME_ZONE = "Asia/Tokyo"  # the install's zone is not the one the writer keeps
    publication.time_zone = "Europe/Paris"
    publication.save(update_fields=["time_zone"])
    client = signed_in(writer)

    with time_machine.travel(dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC), tick=False):
        response = client.post(
            CREATE,
            {"body": "Ahead", "as_publication": "on", "schedule_for": "2026-12-15T10:00"},
        )

    assert response.status_code == 302
    note = Note.objects.get()
    assert note.publication == publication
    assert note.scheduled_for == dt.datetime(2026, 12, 15, 9, 0, tzinfo=dt.UTC)
    page = client.get(response["Location"])
    assert "scheduled for 2026-12-15 10:00 (Europe/Paris)" in page.text


def test_the_schedule_field_is_offered_only_to_the_publications_staff(publication, writer, reader):
    assert 'name="schedule_for"' in signed_in(writer).get("/notes/").text
    assert 'name="schedule_for"' not in signed_in(reader).get("/notes/").text


def test_a_reader_cannot_schedule_a_note(publication, reader):
    client = signed_in(reader)

    alone = client.post(CREATE, {"body": "Mine", "schedule_for": "2099-01-01T10:00"})
    as_publication = client.post(
        CREATE, {"body": "Mine", "as_publication": "on", "schedule_for": "2099-01-01T10:00"}
    )

    assert alone.status_code == 403 and as_publication.status_code == 403
    assert "staff can post notes as the publication" in alone.text
    assert not Note.objects.exists()
    with pytest.raises(NoteRefused):
        note_by(reader, "x", publication=publication, scheduled_for=in_minutes(60))


def test_a_time_in_the_past_is_refused_with_a_clear_error(publication, writer):
    client = signed_in(writer)
    past = timezone.localtime(in_minutes(-5)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        CREATE, {"body": "Too late", "as_publication": "on", "schedule_for": past}
    )

    assert response.status_code == 400
    assert "has already passed. Pick a time in the future." in response.text
    assert not Note.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T10:00", "9999-99-99T99:99", "0" * 500])
def test_a_schedule_that_is_not_a_time_is_refused_with_a_clear_error(publication, writer, value):
    response = signed_in(writer).post(
        CREATE, {"body": "Hm", "as_publication": "on", "schedule_for": value}
    )

    assert response.status_code == 400
    assert "Enter a date and time, like 2026-12-01 09:00." in response.text
    assert not Note.objects.exists()


def test_replies_and_far_future_notes_cannot_be_scheduled(publication, writer):
    parent = note_by(writer, "Out now", publication=publication)

    with pytest.raises(services.NoteInvalid, match="Only new notes can be scheduled"):
        note_by(writer, "r", publication=publication, parent=parent, scheduled_for=in_minutes(9))
    with pytest.raises(services.NoteInvalid, match="at most a year ahead"):
        note_by(writer, "far", publication=publication, scheduled_for=in_minutes(60 * 24 * 400))
    assert Note.objects.count() == 1
