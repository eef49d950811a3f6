"""Re-render every post's body and preview with the paywall's cut between whole blocks.

The old preview split the Markdown on blank lines, so a post with CRLF line endings, lines of
spaces between paragraphs or a heading right above its text had a "preview" that was the whole
post. Rendering again is idempotent, so going back leaves the new HTML in place.
"""

from django.db import migrations

BATCH = 500


def rerender_posts(apps, schema_editor):
    from masthead.posts.paywall import split_at_paywall

    Post = apps.get_model("posts", "Post")
    rows = Post.objects.only("id", "body_markdown", "body_html", "preview_html").order_by("id")
    changed = []
    for post in rows.iterator(chunk_size=BATCH):
        split = split_at_paywall(post.body_markdown)
        if (post.body_html, post.preview_html) == (split.full_html, split.preview_html):
            continue
        post.body_html, post.preview_html = split.full_html, split.preview_html
        changed.append(post)
        if len(changed) == BATCH:
            Post.objects.bulk_update(changed, ["body_html", "preview_html"])
            changed = []
    Post.objects.bulk_update(changed, ["body_html", "preview_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0003_comments_enabled"),
    ]

    operations = [
        migrations.RunPython(rerender_posts, migrations.RunPython.noop, elidable=True),
    ]
