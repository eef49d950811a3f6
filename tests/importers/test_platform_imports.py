"""Imports end to end: a Substack export through the desk and the worker, and through the
`masthead import` command, with its images served by a local HTTP server."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from masthead.billing.models import AccessGrant
from masthead.delivery.models import Send
from masthead.importers.models import ImportRun, RunState
from masthead.posts.models import Post, PostStatus
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription
from tests.factories import make_person
from tests.importers.image_host import serving_images
from tests.importers.substack_export import (
    build_substack_export,
    generated_post,
    generated_subscriber,
    substack_date,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def image_base(settings, tmp_path):
    """A local image host: /images/*.png are PNGs, anything else a 404."""
    settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = True
    settings.IMPORT_IMAGE_TIMEOUT = 5
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    with serving_images() as base:
        yield base


@pytest.fixture
def owner(publication):
    person = make_person(name="Olive Owner", email="olive@example.com")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


def _export(tmp_path, image_base, posts=6, subscribers=30) -> Path:
    """Made-up posts and subscribers; the paid ones paid up until next year."""
    next_year = substack_date(timezone.now() + dt.timedelta(days=365))
    rows = [generated_subscriber(number) for number in range(subscribers)]
    for row in rows:
        row["expiry"] = next_year if row["expiry"] else ""
    return build_substack_export(
        tmp_path / "export.zip",
        posts=posts,
        subscribers=rows,
        image_base_url=f"{image_base}/images",
        history_per_post=10,
    )


def test_a_substack_export_imports_through_the_desk_and_the_worker(
    client, publication, owner, image_base, tmp_path, run_worker
):
    export = _export(tmp_path, image_base)
    client.force_login(owner)

    response = client.post(
        reverse("desk:importers:start", args=[publication.slug]),
        {"source": "substack", "export": SimpleUploadedFile("export.zip", export.read_bytes())},
    )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse(
        "desk:importers:run", args=[publication.slug, run.id]
    )
    assert run.state == RunState.QUEUED
    page = client.get(response.headers["Location"])
    assert b'http-equiv="refresh"' in page.content and b"<progress" in page.content

    run_worker()

    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error
    first = Post.objects.get(slug="post-number-0")
    assert first.title == "Post number 0" and first.subtitle == "What happened in week 0"
    assert first.status == PostStatus.PUBLISHED
    # The Substack CDN image now lives in our media; the caption and paywall survived.
    assert "/media/imports/" in first.body_markdown and image_base not in first.body_markdown
    assert "<figcaption>The view from post 0</figcaption>" in first.body_html
    assert Path(first.body_html.split('src="')[1].split('"')[0].replace("/media/", "")).suffix
    assert Subscription.objects.filter(publication=publication).count() == 30
    assert AccessGrant.objects.filter(publication=publication).exists()
    assert Send.objects.filter(post=first, state="done").exists()
    done = client.get(reverse("desk:importers:run", args=[publication.slug, run.id]))
    assert b'http-equiv="refresh"' not in done.content
    assert b"relink-stripe" in done.content  # how to move the paying readers over
    report = client.get(reverse("desk:importers:report", args=[publication.slug, run.id]))
    assert report.status_code == 200
    assert b"".join(report.streaming_content).startswith(b"what,item,why")
    # An old Substack address keeps working.
    assert client.get("/p/post-number-0/").status_code == 200


def test_unreachable_images_stay_links_and_are_reported(publication, owner, image_base, tmp_path):
    posts = [
        generated_post(0) | {"body": f'<p>Look:</p><img src="{image_base}/missing/a.png" alt="A">'}
    ]
    export = build_substack_export(tmp_path / "e.zip", posts=posts, subscribers=1)

    call_command("import", "substack", str(export), publication=publication.slug)

    post = Post.objects.get()
    assert f"{image_base}/missing/a.png" in post.body_markdown
    run = ImportRun.objects.get()
    assert run.report_lines.filter(reason__contains="missing/a.png").exists()


def test_only_owners_and_admins_may_import(client, publication, image_base):
    author = make_person(email="author@example.com")
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    stranger = make_person(email="stranger@example.com")
    url = reverse("desk:importers:start", args=[publication.slug])

    assert client.get(url).status_code == 302  # to sign in
    for person in (author, stranger):
        client.force_login(person)
        assert client.get(url).status_code in (403, 404)
    assert not ImportRun.objects.exists()


def test_a_run_of_another_publication_is_not_found(client, publication, owner, image_base):
    from tests.factories import make_publication

    other = make_publication()
    run = ImportRun.objects.create(publication=other, source="substack")
    client.force_login(owner)

    response = client.get(reverse("desk:importers:run", args=[publication.slug, run.id]))

    assert response.status_code == 404


def test_a_zip_that_is_not_an_export_gets_a_clear_message(
    client, publication, owner, image_base, tmp_path, run_worker
):
    import zipfile

    path = tmp_path / "holiday.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("beach.txt", "sand")
    client.force_login(owner)
    client.post(
        reverse("desk:importers:start", args=[publication.slug]),
        {"source": "substack", "export": SimpleUploadedFile("holiday.zip", path.read_bytes())},
    )

    run_worker()

    run = ImportRun.objects.get()
    assert run.state == RunState.FAILED and "not a Substack export" in run.error
    assert not Post.objects.exists() and not Subscription.objects.exists()
    page = client.get(reverse("desk:importers:run", args=[publication.slug, run.id]))
    assert b"Nothing was imported." in page.content


def test_the_command_imports_and_a_second_run_adds_nothing(
    publication, image_base, tmp_path, capsys
):
    export = _export(tmp_path, image_base, posts=4, subscribers=12)

    call_command("import", "substack", str(export), publication=publication.slug)
    counts = (Post.objects.count(), Subscription.objects.count())
    call_command("import", "substack", str(export), publication=publication.slug)

    assert counts == (4, 12)
    assert (Post.objects.count(), Subscription.objects.count()) == counts
    assert "Posts: 4 in the export, 0 imported, 4 skipped" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_publication(tmp_path, db):
    path = tmp_path / "x.zip"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="No publication"):
        call_command("import", "substack", str(path), publication="nope")


def test_an_exported_publication_comes_back_with_import_masthead(
    publication, tmp_path, settings, capsys
):
    from tests.factories import make_post

    settings.MEDIA_ROOT = tmp_path / "media"
    make_post(publication, "Kept for later", slug="kept-for-later")
    reader = make_person(email="stays@example.com")
    Subscription.objects.create(publication=publication, person=reader, status="active")
    archive = tmp_path / "daily-build.zip"
    call_command("export", "--publication", publication.slug, str(archive))

    with pytest.raises(CommandError, match="already exists"):
        call_command("import", "masthead", str(archive))
    publication.delete()
    call_command("import", "masthead", str(archive))

    restored = Post.objects.get(slug="kept-for-later")
    assert restored.publication.slug == "daily-build"
    assert Subscription.objects.get(person__email="stays@example.com").status == "active"
    assert "Restored The Daily Build (/pub/daily-build/)" in capsys.readouterr().out


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    client, publication, owner, settings
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    client.force_login(owner)

    response = client.post(
        reverse("desk:importers:start", args=[publication.slug]),
        {"source": "substack", "export": SimpleUploadedFile("big.zip", b"x" * 1_100_000)},
    )

    assert response.status_code == 413
    assert b"masthead import SOURCE FILE --publication daily-build" in response.content
    assert not ImportRun.objects.exists()
