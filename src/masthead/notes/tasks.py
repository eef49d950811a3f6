"""Tasks of the notes app: publishing a publication's scheduled note when its time comes."""

import datetime as dt
import logging

from django.tasks import task

from masthead.notes.services import publish_note_if_still_scheduled

logger = logging.getLogger(__name__)


@task()
def publish_scheduled_note(note_id: int, scheduled_for_iso: str) -> bool:
    """Publish the note if it still waits for this moment; a stale task does nothing.

    A deleted note, or one published already (by another worker or the catch-up), leaves no
    row to match, so the note is published once.
    """
    scheduled_for = dt.datetime.fromisoformat(scheduled_for_iso)
    is_published = publish_note_if_still_scheduled(note_id, scheduled_for)
    if not is_published:
        logger.info("Note %s was not waiting for %s any more", note_id, scheduled_for_iso)
    return is_published
