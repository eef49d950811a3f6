"""The search index again, after posts 0007 and notes 0003 added columns.

On SQLite, Django adds a column with a default by copying posts_post into a new table and
dropping the old one, which drops the triggers that keep the index (see 0002). This drops what
is left of the index and builds it again, triggers and rows, with 0002's own statements; on
PostgreSQL (columns are added in place) it is the same rebuild, and as harmless.
"""

import importlib

from django.db import migrations

search_index = importlib.import_module("masthead.discovery.migrations.0002_search_index")


def rebuild_index(apps, schema_editor):
    search_index.drop_index(apps, schema_editor)
    search_index.create_index(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0002_search_index"),
        ("posts", "0007_email_options"),
        ("notes", "0003_note_scheduled_for"),
    ]

    operations = [migrations.RunPython(rebuild_index, migrations.RunPython.noop)]
