"""Restoring an archive: refusals change nothing, taken ids move, existing people are reused."""

import json
import zipfile

import pytest
from django.apps import apps

from masthead.accounts.models import Person
from masthead.billing.models import PaidSubscription
from masthead.engagement.models import Comment
from masthead.importers.archive.export import export_publication
from masthead.importers.archive.restore import restore_archive
from masthead.importers.archives import open_export
from masthead.importers.source import ExportError
from masthead.posts.models import Post
from masthead.publications.models import Publication, PublicationHost
from tests import factories
from tests.importers.test_archive_roundtrip import PNG, build_rich_publication


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def exported(settings, media_root, tmp_path):
    """The rich publication's archive, with the publication itself deleted (its people stay)."""
    publication, _posts = build_rich_publication(settings)
    path = tmp_path / "rich.zip"
    export_publication(publication, path)
    # Plans are PROTECTed from their paid subscriptions: those go first.
    PaidSubscription.objects.filter(plan__publication=publication).delete()
    publication.delete()
    return path


def table_counts() -> dict:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def media_files(media_root) -> set:
    return {str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()}


def rewrite(path, tmp_path, change) -> str:
    """A copy of the archive with change(members) applied to its {name: bytes}."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    out = tmp_path / "changed.zip"
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def restore(path):
    with open_export([path]) as files:
        return restore_archive(files)


def assert_refused_without_change(path, media_root, message):
    counts, files = table_counts(), media_files(media_root)
    with pytest.raises(ExportError, match=message):
        restore(path)
    assert table_counts() == counts
    assert media_files(media_root) == files


@pytest.mark.django_db
def test_a_zip_without_manifest_is_refused(exported, media_root, tmp_path):
    path = rewrite(exported, tmp_path, lambda members: members.pop("manifest.json"))
    assert_refused_without_change(path, media_root, "not a Masthead archive")


@pytest.mark.django_db
def test_an_archive_from_a_newer_masthead_is_refused(exported, media_root, tmp_path):
    def newer(members):
        manifest = json.loads(members["manifest.json"])
        manifest["schema_version"] = 99
        members["manifest.json"] = json.dumps(manifest).encode()

    assert_refused_without_change(rewrite(exported, tmp_path, newer), media_root, "newer Masthead")


@pytest.mark.django_db
def test_an_existing_publication_is_never_overwritten(settings, media_root, tmp_path):
    publication, _posts = build_rich_publication(settings)
    path = tmp_path / "rich.zip"
    export_publication(publication, path)
    assert_refused_without_change(path, media_root, "already exists on this install")


@pytest.mark.django_db
def test_rows_referring_to_rows_missing_from_the_archive_are_refused(
    exported, media_root, tmp_path
):
    def drop_first_post(members):
        lines = members["data/posts.post.jsonl"].splitlines(keepends=True)
        members["data/posts.post.jsonl"] = b"".join(lines[1:])
        manifest = json.loads(members["manifest.json"])
        manifest["tables"]["posts.post"] -= 1
        members["manifest.json"] = json.dumps(manifest).encode()

    path = rewrite(exported, tmp_path, drop_first_post)
    assert_refused_without_change(path, media_root, "not in the archive")


@pytest.mark.django_db
def test_a_table_this_install_does_not_know_is_refused(exported, media_root, tmp_path):
    def add_table(members):
        members["data/newapp.gadget.jsonl"] = b'{"pk": 1}\n'
        manifest = json.loads(members["manifest.json"])
        manifest["tables"]["newapp.gadget"] = 1
        members["manifest.json"] = json.dumps(manifest).encode()

    path = rewrite(exported, tmp_path, add_table)
    assert_refused_without_change(path, media_root, "does not know")


@pytest.mark.django_db
def test_a_damaged_line_is_refused_with_its_file_and_line(exported, media_root, tmp_path):
    def damage(members):
        members["data/engagement.comment.jsonl"] += b"{not json\n"

    path = rewrite(exported, tmp_path, damage)
    assert_refused_without_change(path, media_root, r"engagement.comment.jsonl, line \d+")


@pytest.mark.django_db
def test_a_conflict_half_way_rolls_everything_back(exported, media_root, tmp_path):
    # The archive's host name is taken by another publication here: found late, after many rows.
    other = factories.make_publication("Other", "other")
    PublicationHost.objects.create(publication=other, host="rich.example.com")
    for path in media_root.rglob("*"):
        if path.is_file():
            path.unlink()
    assert_refused_without_change(exported, media_root, "conflict")
    assert not Publication.objects.filter(slug="rich-news").exists()


@pytest.mark.django_db
def test_media_paths_leaving_the_media_folder_are_refused(exported, media_root, tmp_path):
    def escape(members):
        members["media/../../escaped.png"] = PNG

    path = rewrite(exported, tmp_path, escape)
    assert_refused_without_change(path, media_root, "outside the (archive|media folder)")
    assert not (tmp_path / "escaped.png").exists()


@pytest.mark.django_db
def test_taken_ids_move_and_references_follow(exported, media_root):
    with zipfile.ZipFile(exported) as archive:
        first_post = json.loads(archive.read("data/posts.post.jsonl").splitlines()[0])
    squatter = factories.make_publication("Squatter", "squatter")
    Post.objects.create(pk=first_post["pk"], publication=squatter, title="Squatting", slug="sq")

    result = restore(exported)

    restored = Post.objects.get(publication=result.publication, slug=first_post["slug"])
    assert restored.pk != first_post["pk"]
    assert Post.objects.get(pk=first_post["pk"]).title == "Squatting"
    comments = Comment.objects.filter(post__publication=result.publication)
    assert {comment.post_id for comment in comments} == {restored.pk}
    assert comments.filter(parent__isnull=False).get().parent.post_id == restored.pk


@pytest.mark.django_db
def test_people_with_an_account_here_are_reused_not_duplicated(exported, media_root):
    olive = Person.objects.get(email="olive@example.com")
    olive.display_name = "Olive, renamed here"
    olive.save()
    people_before = Person.objects.count()

    result = restore(exported)

    assert Person.objects.count() == people_before
    assert result.people_reused == people_before
    assert result.publication.memberships.get(role="owner").person == olive
    olive.refresh_from_db()
    assert olive.display_name == "Olive, renamed here"
    assert any("olive@example.com" in line.item for line in result.report)


@pytest.mark.django_db
def test_a_different_file_with_the_same_name_is_kept_and_the_row_points_to_the_copy(
    exported, media_root
):
    (media_root / "covers" / "free.png").write_bytes(b"someone else's cover")

    result = restore(exported)

    post = result.publication.posts.get(title="Free for all")
    assert post.cover_image.name != "covers/free.png"
    assert post.cover_image.name.startswith("covers/free_")
    assert (media_root / post.cover_image.name).read_bytes() == PNG + b"cover"
    assert (media_root / "covers" / "free.png").read_bytes() == b"someone else's cover"


@pytest.mark.django_db
def test_a_table_no_publication_owns_is_refused(exported, media_root, tmp_path):
    def add_stripe_event(members):
        members["data/billing.stripeevent.jsonl"] = b'{"pk": 1, "event_id": "evt_1", "type": "x"}\n'
        manifest = json.loads(members["manifest.json"])
        manifest["tables"]["billing.stripeevent"] = 1
        members["manifest.json"] = json.dumps(manifest).encode()

    path = rewrite(exported, tmp_path, add_stripe_event)
    assert_refused_without_change(path, media_root, "never restored")


@pytest.mark.django_db
def test_a_person_row_cannot_make_anyone_staff(exported, media_root, tmp_path):
    def promote(members):
        lines = members["data/accounts.person.jsonl"].splitlines(keepends=True)
        row = json.loads(lines[0])
        row["is_superuser"] = True
        members["data/accounts.person.jsonl"] = b"".join(
            [json.dumps(row).encode() + b"\n", *lines[1:]]
        )

    path = rewrite(exported, tmp_path, promote)
    assert_refused_without_change(path, media_root, "columns this install does not know")


def change_first_row(table: str, column: str, value):
    def change(members):
        name = f"data/{table}.jsonl"
        lines = members[name].splitlines(keepends=True)
        row = json.loads(lines[0])
        row[column] = value
        members[name] = b"".join([json.dumps(row).encode() + b"\n", *lines[1:]])

    return change


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("posts.post", "pk", "not a number"),
        ("posts.post", "pk", 10**30),
        ("posts.post", "pk", None),
        ("posts.post", "publication_id", [1]),
        ("posts.post", "published_at", {"when": "now"}),
        ("posts.post", "like_count", 10**40),
        ("engagement.comment", "parent_id", 999_999),
        ("posts.post", "cover_image", 12),
        ("posts.post", "cover_image", "../../outside.png"),
        ("accounts.person", "email", ""),
    ],
)
def test_bad_values_are_refused_with_an_export_error(
    exported, media_root, tmp_path, table, column, value
):
    path = rewrite(exported, tmp_path, change_first_row(table, column, value))
    assert_refused_without_change(path, media_root, ".")


@pytest.mark.django_db
def test_a_truncated_archive_is_refused(exported, media_root, tmp_path):
    damaged = tmp_path / "damaged.zip"
    data = exported.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    counts = table_counts()
    with pytest.raises(ExportError):
        restore(damaged)
    assert table_counts() == counts
