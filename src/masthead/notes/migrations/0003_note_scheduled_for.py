"""Notes written ahead: `scheduled_for` hides a note until its moment (null: published)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0002_notes_show_only_our_images")]

    operations = [
        migrations.AddField(
            model_name="note",
            name="scheduled_for",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="note",
            index=models.Index(
                condition=models.Q(("scheduled_for__isnull", False)),
                fields=["scheduled_for"],
                name="note_scheduled_idx",
            ),
        ),
    ]
