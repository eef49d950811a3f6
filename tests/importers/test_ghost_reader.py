"""The Ghost reader: posts, pages, tags, authors and members out of built Ghost exports."""

import datetime as dt
import json
import zipfile

import pytest

from masthead.importers.archives import open_export
from masthead.importers.ghost import GhostReader
from masthead.importers.ghost.values import datetime_of
from masthead.importers.source import (
    ExportError,
    LineKind,
    PaidKind,
    PostAudience,
    PostKind,
    PostState,
)
from tests.importers.ghost_export import (
    build_ghost_export,
    lexical,
    post_row,
    write_ghost_json,
)

IMAGES = "https://images.example.com/content"


def read(paths, **kwargs) -> tuple[GhostReader, list]:
    """The reader of `paths` after check(), and its lines (paths stay open inside the test)."""
    with open_export(paths) as files:
        reader = GhostReader(files, **kwargs)
        lines = reader.check()
        return reader, lines


def read_posts(paths, **kwargs):
    reader, _ = read(paths, **kwargs)
    return {post.source_id: post for post in reader.posts()}


def one_post(tmp_path, **fields):
    row = post_row(0, format="lexical", image_base_url=IMAGES) | fields
    path = write_ghost_json(tmp_path / "export.json", posts=[row])
    with open_export([path]) as files:
        reader = GhostReader(files)
        lines = reader.check()
        posts = list(reader.posts())
    return (posts[0] if posts else None), lines


@pytest.mark.parametrize("format", ["lexical", "mobiledoc"])
def test_a_built_export_reads_every_post_and_member(tmp_path, format):
    paths = build_ghost_export(tmp_path, posts=12, format=format, members=20, image_base_url=IMAGES)
    with open_export(paths) as files:
        reader = GhostReader(files)
        reader.check()
        assert reader.count() == {"posts": 12, "subscribers": 20, "deliveries": 0}
        posts = list(reader.posts())
        assert len(list(reader.subscribers())) == 20
        assert list(reader.deliveries()) == []
    first = posts[0]
    assert first.source_id == "p0"
    assert first.slug == "post-0"
    assert first.title == "Post 0"
    assert first.subtitle == "The subtitle of post 0"
    assert first.old_paths == ["/post-0/"]
    assert first.cover_image_url == f"{IMAGES}/cover-0.jpg"
    assert first.image_urls == [f"{IMAGES}/post-0.png"]
    assert first.published_at == dt.datetime(2023, 1, 2, 9, 30, tzinfo=dt.UTC)
    assert "**bold**" in first.body_markdown and "\n\n<!-- paywall -->\n\n" in first.body_markdown


def test_lexical_and_mobiledoc_exports_give_the_same_bodies(tmp_path):
    lexical_posts = read_posts(build_ghost_export(tmp_path / "l", posts=3, format="lexical"))
    mobiledoc_posts = read_posts(build_ghost_export(tmp_path / "m", posts=3, format="mobiledoc"))
    for source_id, post in lexical_posts.items():
        assert post.body_markdown == mobiledoc_posts[source_id].body_markdown


def test_tags_keep_their_order_without_internal_tags_and_no_section(tmp_path):
    post = read_posts(build_ghost_export(tmp_path, posts=1))["p0"]
    assert post.tags == ["News", "Science"]
    assert post.section == ""


def test_authors_come_from_users(tmp_path):
    post = read_posts(build_ghost_export(tmp_path, posts=1))["p0"]
    assert [(a.name, a.email) for a in post.authors] == [("Ada Okafor", "ada@example.com")]


def test_an_older_export_names_its_author_on_the_post(tmp_path):
    post, _ = one_post(tmp_path, author_id="1")
    assert [a.name for a in post.authors] == ["Ada Okafor"]


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"type": "page"}, PostKind.PAGE),
        ({"type": None, "page": True}, PostKind.PAGE),
        ({}, PostKind.POST),
    ],
)
def test_pages_are_pages(tmp_path, fields, kind):
    post, _ = one_post(tmp_path, **fields)
    assert post.kind == kind
    assert post.old_paths == ["/post-0/"]


@pytest.mark.parametrize(
    ("visibility", "audience"),
    [
        ("public", PostAudience.EVERYONE),
        ("members", PostAudience.SUBSCRIBERS),
        ("paid", PostAudience.PAID),
        ("tiers", PostAudience.PAID),
    ],
)
def test_visibility_becomes_the_audience(tmp_path, visibility, audience):
    post, _ = one_post(tmp_path, visibility=visibility)
    assert post.audience == audience


def test_an_unknown_visibility_is_for_paying_readers_with_a_warning(tmp_path):
    post, lines = one_post(tmp_path, visibility="filter:vip")
    assert post.audience == PostAudience.PAID
    assert [line.kind for line in lines] == [LineKind.WARNING]


@pytest.mark.parametrize(
    ("status", "state", "is_emailed"),
    [
        ("published", PostState.PUBLISHED, False),
        ("sent", PostState.PUBLISHED, True),
        ("draft", PostState.DRAFT, False),
        ("scheduled", PostState.SCHEDULED, False),
    ],
)
def test_status_becomes_the_state(tmp_path, status, state, is_emailed):
    post, _ = one_post(tmp_path, status=status, newsletter_id=None)
    assert post.state == state
    assert (post.emailed_at is not None) == is_emailed


def test_a_published_post_with_a_newsletter_was_emailed_when_published(tmp_path):
    post, _ = one_post(tmp_path, status="published", newsletter_id="n1")
    assert post.emailed_at == post.published_at is not None


def test_a_ghost_4_post_with_recipients_was_emailed(tmp_path):
    row = post_row(0, format="mobiledoc", image_base_url=IMAGES, status="published")
    del row["newsletter_id"]
    path = write_ghost_json(
        tmp_path / "e.json",
        posts=[
            row | {"email_recipient_filter": "none"},
            row | {"id": "p9", "slug": "s9", "email_recipient_filter": "all"},
        ],
    )
    posts = read_posts([path])
    assert posts["p0"].emailed_at is None
    assert posts["p9"].emailed_at is not None


def test_an_emails_row_marks_its_post_emailed(tmp_path):
    row = post_row(
        0, format="lexical", image_base_url=IMAGES, status="published", newsletter_id=None
    )
    path = write_ghost_json(tmp_path / "e.json", posts=[row], extra={"emails": [{"post_id": "p0"}]})
    assert read_posts([path])["p0"].emailed_at is not None


def test_pages_are_never_emailed(tmp_path):
    post, _ = one_post(tmp_path, type="page", status="sent")
    assert post.emailed_at is None


def test_ghost_url_images_use_the_site_address_from_settings(tmp_path):
    body = lexical({"type": "image", "src": "__GHOST_URL__/content/images/a.png"})
    row = post_row(
        0,
        format="lexical",
        image_base_url=IMAGES,
        lexical=body,
        feature_image="__GHOST_URL__/content/images/c.png",
    )
    path = write_ghost_json(
        tmp_path / "e.json",
        posts=[row],
        settings=[{"key": "url", "value": "https://old.example.com/"}],
    )
    post = read_posts([path])["p0"]
    assert post.image_urls == ["https://old.example.com/content/images/a.png"]
    assert post.cover_image_url == "https://old.example.com/content/images/c.png"


def test_the_site_address_can_be_given_to_the_reader(tmp_path):
    row = post_row(
        0,
        format="lexical",
        image_base_url=IMAGES,
        feature_image="__GHOST_URL__/content/images/c.png",
    )
    path = write_ghost_json(tmp_path / "e.json", posts=[row])
    post = read_posts([path], site_url="https://given.example.com")["p0"]
    assert post.cover_image_url == "https://given.example.com/content/images/c.png"


def test_ghost_url_images_without_a_site_address_are_kept_with_a_warning(tmp_path):
    body = lexical({"type": "image", "src": "__GHOST_URL__/content/images/a.png"})
    post, lines = one_post(
        tmp_path, lexical=body, feature_image="__GHOST_URL__/content/images/c.png"
    )
    assert "__GHOST_URL__/content/images/a.png" in post.body_markdown
    assert post.image_urls == [] and post.cover_image_url == ""
    assert any(line.kind == LineKind.WARNING and "address" in line.reason for line in lines)


def test_html_is_used_when_there_is_no_lexical_or_mobiledoc(tmp_path):
    post, _ = one_post(tmp_path, lexical=None, html="<p>Only <em>HTML</em></p>")
    assert post.body_markdown == "Only *HTML*" or post.body_markdown == "Only _HTML_"


def test_a_post_without_content_has_no_body(tmp_path):
    post, _ = one_post(tmp_path, lexical=None, html=None, status="draft")
    assert post.body_markdown is None


def test_unreadable_lexical_falls_back_to_html_with_a_warning(tmp_path):
    post, lines = one_post(tmp_path, lexical="{broken", html="<p>From HTML</p>")
    assert post.body_markdown == "From HTML"
    assert [line.kind for line in lines] == [LineKind.WARNING]


def test_unreadable_content_without_html_skips_the_post(tmp_path):
    post, lines = one_post(tmp_path, lexical="{broken", html=None)
    assert post is None
    assert lines[0].kind == LineKind.SKIPPED and lines[0].item == "post post-0"


def test_repeated_ids_keep_the_first(tmp_path):
    rows = [
        post_row(0, format="lexical", image_base_url=IMAGES),
        post_row(0, format="lexical", image_base_url=IMAGES, title="Again"),
    ]
    reader, lines = read([write_ghost_json(tmp_path / "e.json", posts=rows)])
    assert [post.title for post in reader.posts()] == ["Post 0"]
    assert [line.kind for line in lines] == [LineKind.SKIPPED]


def test_slugs_are_cleaned_and_made_unique(tmp_path):
    rows = [
        post_row(0, format="lexical", image_base_url=IMAGES, slug="Héllo World!"),
        post_row(1, format="lexical", image_base_url=IMAGES, slug="hello-world"),
        post_row(2, format="lexical", image_base_url=IMAGES, slug="", title=""),
    ]
    reader, lines = read([write_ghost_json(tmp_path / "e.json", posts=rows)])
    posts = list(reader.posts())
    assert [post.slug for post in posts] == ["hello-world", "hello-world-2", "post-p2"]
    assert posts[1].old_paths == ["/hello-world/"]
    assert posts[2].title == "Untitled"
    assert any("/p/hello-world-2/" in line.reason for line in lines)


def test_a_zipped_export_reads_like_plain_files(tmp_path):
    json_path, csv_path = build_ghost_export(tmp_path / "plain", posts=2, members=3)
    archive = tmp_path / "ghost.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(json_path, "data/" + json_path.name)
        zipped.write(csv_path, csv_path.name)
        zipped.writestr("__MACOSX/._x.json", b"\x00\x01")
    reader, _ = read([archive])
    assert reader.count() == {"posts": 2, "subscribers": 3, "deliveries": 0}


def test_the_export_without_db_wrapper_is_read(tmp_path):
    path = tmp_path / "flat.json"
    row = post_row(0, format="lexical", image_base_url=IMAGES)
    path.write_text(json.dumps({"meta": {"version": "4.0.0"}, "data": {"posts": [row]}}))
    assert list(read_posts([path])) == ["p0"]


def test_only_members_is_enough(tmp_path):
    _, csv_path = build_ghost_export(tmp_path, posts=0, members=4)
    reader, _ = read([csv_path])
    assert reader.count() == {"posts": 0, "subscribers": 4, "deliveries": 0}


def test_a_file_that_is_not_a_ghost_export_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(ExportError, match="“other.json” is not a Ghost export"):
        read([path])


def test_an_upload_without_json_or_csv_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ExportError, match="not a Ghost export"):
        read([path])


def test_broken_json_names_the_file_and_position(tmp_path):
    path = tmp_path / "ghost.json"
    path.write_text('{"db": [{"meta": {}, "data": {"posts": [}]}')
    with pytest.raises(ExportError, match=r"“ghost.json” is not valid JSON: .* line 1, column \d+"):
        read([path])


def test_deeply_nested_json_is_refused_not_crashed(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000)
    with pytest.raises(ExportError, match="deep.json"):
        read([path])


def test_json_not_in_utf8_is_refused(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes('{"a": "café"}'.encode("latin-1"))
    with pytest.raises(ExportError, match="latin.json"):
        read([path])


def test_a_members_csv_with_a_bad_row_is_refused_with_its_line(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text('email,name\na@example.com,"unterminated\n', encoding="utf-8")
    with pytest.raises(ExportError, match="members.csv"):
        read([path])


def test_report_lines_repeat_what_check_found(tmp_path):
    post, lines = one_post(tmp_path, visibility="odd")
    paths = [tmp_path / "export.json"]
    with open_export(paths) as files:
        reader = GhostReader(files)
        assert reader.report_lines() == reader.check() == lines


def test_members_paid_kinds_and_preferences(tmp_path):
    _, csv_path = build_ghost_export(tmp_path, posts=0, members=10)
    reader, _ = read([csv_path])
    members = {member.email: member for member in reader.subscribers()}
    assert members["member3@example.com"].paid_kind == PaidKind.COMP
    assert members["member4@example.com"].paid_kind == PaidKind.PAID
    assert members["member4@example.com"].stripe_customer_id == "cus_00000004"
    assert members["member0@example.com"].paid_kind == PaidKind.NONE
    assert members["member2@example.com"].wants_email is False
    assert members["member0@example.com"].labels == ["VIP", "Early bird"]
    assert members["member4@example.com"].labels == ["VIP", "Early bird", "Gold"]
    assert members["member0@example.com"].note == "Met at the fair"
    assert members["member1@example.com"].subscribed_at == dt.datetime(
        2023, 1, 2, 10, 30, tzinfo=dt.UTC
    )


def test_an_export_stored_without_its_json_suffix_is_still_found(tmp_path):
    json_path, _ = build_ghost_export(tmp_path, posts=2, members=0)
    stored = json_path.rename(tmp_path / "0.2024-01-01-00-00-00")
    reader, _ = read([stored])
    assert reader.count()["posts"] == 2


@pytest.mark.parametrize(
    "value",
    ["2023-01-02T09:30:00.000Z", "2023-01-02 09:30:00", 1672651800000, "1672651800000"],
)
def test_ghost_timestamps_of_every_version_read_as_utc(value):
    assert datetime_of(value) == dt.datetime(2023, 1, 2, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("value", ["", "yesterday", None, [], 10**30, "2023-13-45"])
def test_unreadable_timestamps_are_none(value):
    assert datetime_of(value) is None
