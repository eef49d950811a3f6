"""Images in comments come only from this install's uploads; remote ones become links."""

import importlib

import pytest
from django.apps import apps

from masthead.engagement import services
from masthead.engagement.models import Comment
from tests.engagement.conftest import comment_on, post_url
from tests.factories import make_person

pytestmark = pytest.mark.django_db

TRACKER = "https://tracker.example/p.gif"
rerender_migration = importlib.import_module(
    "masthead.engagement.migrations.0003_comments_show_only_our_images"
)


def test_a_comment_with_a_remote_image_shows_a_link_and_loads_nothing(reader_client, post):
    response = comment_on(reader_client, post, f"Nice ![pixel]({TRACKER})")

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert "<img" not in comment.body_html
    assert f'<a href="{TRACKER}" rel="noopener noreferrer nofollow">pixel</a>' in comment.body_html
    page = reader_client.get(post_url(post)).text
    assert f'src="{TRACKER}"' not in page


def test_a_reply_with_a_remote_image_shows_a_link(reader, post):
    parent = services.add_comment(post, make_person(name="Otto"), "First.")

    reply = services.add_comment(post, reader, f"![]({TRACKER})", parent=parent)

    assert "<img" not in reply.body_html
    assert f'href="{TRACKER}"' in reply.body_html


def test_an_edited_comment_loses_its_remote_image(reader, post):
    comment = services.add_comment(post, reader, "Plain.")

    services.edit_comment(comment, reader, f"Now ![x]({TRACKER})")

    comment.refresh_from_db()
    assert "<img" not in comment.body_html


def test_a_comment_keeps_an_image_uploaded_here(reader_client, post):
    comment_on(reader_client, post, "![chart](/media/notes/3/chart.png)")

    assert '<img src="/media/notes/3/chart.png" alt="chart">' in Comment.objects.get().body_html


@pytest.mark.parametrize("src", ["//tracker.example/p.gif", "data:image/gif;base64,R0lGODlh"])
def test_protocol_relative_and_data_images_are_not_shown(reader, post, src):
    comment = services.add_comment(post, reader, f"![x]({src})")

    assert "<img" not in comment.body_html


def test_the_migration_rerenders_a_stored_comment_that_shows_a_remote_image(reader, post):
    stored = services.add_comment(post, reader, f"Old ![pixel]({TRACKER})")
    plain = services.add_comment(post, reader, "No image.")
    # As the old renderer stored it.
    Comment.objects.filter(id=stored.id).update(
        body_html=f'<p>Old <img src="{TRACKER}" alt="pixel"></p>\n'
    )
    Comment.objects.filter(id=plain.id).update(body_html="<p>Kept as it was.</p>\n")

    rerender_migration.rerender_comments(apps, None)

    stored.refresh_from_db()
    plain.refresh_from_db()
    assert "<img" not in stored.body_html and f'href="{TRACKER}"' in stored.body_html
    assert plain.body_html == "<p>Kept as it was.</p>\n"
