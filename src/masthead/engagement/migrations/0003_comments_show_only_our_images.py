"""Re-render comments that show an image: a remote one becomes a link (no tracking pixels)."""

from django.db import migrations

from masthead.core.rendering import render_reader_markdown

BATCH_SIZE = 500


def rerender_comments(apps, schema_editor):
    Comment = apps.get_model("engagement", "Comment")
    # Only a rendered <img> can differ between the old renderer and the readers' one.
    changed = []
    for comment in Comment.objects.filter(body_html__contains="<img").only("id", "body_markdown"):
        comment.body_html = render_reader_markdown(comment.body_markdown)
        changed.append(comment)
    Comment.objects.bulk_update(changed, ["body_html"], batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0002_likes_on_comments_bans_notifications")]

    operations = [migrations.RunPython(rerender_comments, migrations.RunPython.noop, elidable=True)]
