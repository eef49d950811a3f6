"""A built Ghost export imported end to end with `masthead import ghost`: posts, pages, tags,
images fetched from a local image host, and members."""

import pytest
from django.core.management import call_command

from masthead.importers.models import ImportRun, RunState
from masthead.posts.models import Post
from masthead.subscriptions.models import Subscription
from tests.importers.ghost_export import build_ghost_export
from tests.importers.image_host import serving_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def image_host(settings, tmp_path):
    """A local server answering every image with a small PNG."""
    settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    (tmp_path / "media").mkdir()
    with serving_images() as base:
        yield f"{base}/images/content"


@pytest.mark.parametrize("format", ["lexical", "mobiledoc"])
def test_a_ghost_export_imports_posts_pages_and_members(publication, image_host, tmp_path, format):
    paths = build_ghost_export(
        tmp_path / "export", posts=6, format=format, members=8, image_base_url=image_host
    )

    call_command("import", "ghost", *map(str, paths), publication=publication.slug)

    run = ImportRun.objects.get()
    assert run.state == RunState.DONE, run.error
    posts = {post.slug: post for post in Post.objects.filter(publication=publication)}
    assert set(posts) == {f"post-{n}" for n in range(6)}
    assert posts["post-5"].kind == "page"
    assert posts["post-0"].tags == ["News", "Science"]
    assert posts["post-2"].audience == "paid"
    body = posts["post-0"].body_markdown
    assert image_host not in body  # the image was fetched into media
    assert "<!-- paywall -->" in body and "**bold**" in body
    assert Subscription.objects.filter(publication=publication).count() == 8
