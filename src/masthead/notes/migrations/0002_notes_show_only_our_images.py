"""Re-render notes that show an image: a remote one becomes a link (no tracking pixels)."""

from django.db import migrations

from masthead.core.rendering import render_reader_markdown

BATCH_SIZE = 500


def rerender_notes(apps, schema_editor):
    Note = apps.get_model("notes", "Note")
    # Only a rendered <img> can differ between the old renderer and the readers' one; a note's
    # uploaded image is a field of its own, not part of body_html.
    changed = []
    for note in Note.objects.filter(body_html__contains="<img").only("id", "body_markdown"):
        note.body_html = render_reader_markdown(note.body_markdown)
        changed.append(note)
    Note.objects.bulk_update(changed, ["body_html"], batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [migrations.RunPython(rerender_notes, migrations.RunPython.noop, elidable=True)]
