"""The Substack export reader: posts, subscribers and email history out of built export zips."""

import datetime as dt
import importlib.util
import inspect
import sys
import time
import tracemalloc
import types
import zipfile
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.importers.archives import open_export
from masthead.importers.source import (
    ExportError,
    LineKind,
    PaidKind,
    PostAudience,
    PostKind,
    PostState,
)
from masthead.importers.substack import SubstackReader, parse_date
from tests.importers.substack_export import (
    build_substack_export,
    generated_post,
    generated_subscriber,
    substack_body,
)

HAS_MARKUP = importlib.util.find_spec("masthead.importers.substack_markup") is not None
needs_markup = pytest.mark.skipif(not HAS_MARKUP, reason="substack_markup has not landed yet")
UTC = dt.UTC


@pytest.fixture(autouse=True)
def markup_stand_in(monkeypatch):
    """Until the real converter lands, bodies pass through as they are, so the rest is tested."""
    if HAS_MARKUP:
        return
    stand_in = types.ModuleType("masthead.importers.substack_markup")
    stand_in.substack_html_to_markdown = lambda html: types.SimpleNamespace(
        markdown=html, image_urls=[], notes=[]
    )
    monkeypatch.setitem(sys.modules, "masthead.importers.substack_markup", stand_in)


@contextmanager
def opened(path):
    with open_export([path]) as files:
        yield SubstackReader(files)


def read_all(path):
    """Everything a reader yields, after check(), as the importer calls it."""
    with opened(path) as reader:
        checked = reader.check()
        result = types.SimpleNamespace(
            checked=checked,
            counts=reader.count(),
            posts=list(reader.posts()),
            subscribers=list(reader.subscribers()),
            deliveries=list(reader.deliveries()),
        )
        result.lines = reader.report_lines()
    return result


def post_row(post_id, **values):
    row = {
        "post_id": post_id,
        "post_date": "2023-05-01T14:03:22.123Z",
        "is_published": "true",
        "type": "newsletter",
        "audience": "everyone",
        "title": f"Title of {post_id}",
    }
    return row | values


def reasons(lines, item):
    return [line.reason for line in lines if line.item == item]


# Posts


def test_a_published_post_keeps_its_fields(tmp_path):
    row = post_row(
        "123.hello-world",
        subtitle="The first one",
        email_sent_at="2023-05-01T15:00:00Z",
        inbox_sent_at="2023-05-01T16:00:00Z",
    )
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    [post] = result.posts
    assert post.source_id == "123.hello-world"
    assert post.slug == "hello-world"
    assert post.title == "Title of 123.hello-world"
    assert post.subtitle == "The first one"
    assert post.state is PostState.PUBLISHED
    assert post.kind is PostKind.POST
    assert post.audience is PostAudience.EVERYONE
    assert post.published_at == dt.datetime(2023, 5, 1, 14, 3, 22, 123000, tzinfo=UTC)
    assert post.emailed_at == dt.datetime(2023, 5, 1, 15, tzinfo=UTC)
    assert post.body_markdown
    assert result.counts["posts"] == 1


def test_inbox_sent_at_stands_in_for_email_sent_at(tmp_path):
    row = post_row("1.a", email_sent_at="", inbox_sent_at="2023-06-01T08:00:00+02:00")
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    assert result.posts[0].emailed_at == dt.datetime(2023, 6, 1, 6, tzinfo=UTC)


def test_posts_come_in_posts_csv_order(tmp_path):
    rows = [post_row("3.c"), post_row("1.a"), post_row("2.b")]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=0))

    assert [post.source_id for post in result.posts] == ["3.c", "1.a", "2.b"]


def test_a_published_post_without_body_becomes_a_draft_with_a_warning(tmp_path):
    rows = [post_row("1.gone", body=None), post_row("2.kept")]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=0))

    gone, kept = result.posts
    assert gone.body_markdown is None
    assert gone.state is PostState.DRAFT
    assert kept.state is PostState.PUBLISHED
    expected = "had no body in the export: imported as a draft"
    assert expected in reasons(result.checked, "post 1.gone")
    assert expected in reasons(result.lines, "post 1.gone")


def test_an_unpublished_post_is_a_draft(tmp_path):
    row = post_row("1.later", is_published="false")
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    assert result.posts[0].state is PostState.DRAFT
    assert result.posts[0].body_markdown is not None


@pytest.mark.parametrize(
    ("substack_type", "kind"),
    [
        ("newsletter", PostKind.POST),
        ("page", PostKind.PAGE),
        ("thread", PostKind.THREAD),
        ("podcast", PostKind.PODCAST),
        ("Newsletter", PostKind.POST),
        ("", PostKind.POST),
    ],
)
def test_types_map_to_kinds(tmp_path, substack_type, kind):
    row = post_row("1.a", type=substack_type, podcast_url="https://cdn.example.com/1.mp3")
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    assert result.posts[0].kind is kind
    assert result.posts[0].audio_url == (
        "https://cdn.example.com/1.mp3" if kind is PostKind.PODCAST else ""
    )


def test_an_unknown_type_is_a_post_with_a_warning(tmp_path):
    row = post_row("1.a", type="video")
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    assert result.posts[0].kind is PostKind.POST
    assert reasons(result.checked, "post 1.a") == [
        "has an unknown type “video”: imported as a post"
    ]


@pytest.mark.parametrize(
    ("substack_audience", "audience"),
    [
        ("everyone", PostAudience.EVERYONE),
        ("", PostAudience.EVERYONE),
        ("only_paid", PostAudience.PAID),
        ("founding", PostAudience.PAID),
        ("only_free", PostAudience.SUBSCRIBERS),
        ("only_paid_annual", PostAudience.PAID),  # unknown: never made public
    ],
)
def test_audiences_map(tmp_path, substack_audience, audience):
    row = post_row("1.a", audience=substack_audience)
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    assert result.posts[0].audience is audience


def test_a_repeated_slug_gets_a_number_and_a_warning(tmp_path):
    rows = [post_row("1.same"), post_row("2.same"), post_row("3.same"), post_row("4.same-2")]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=0))

    assert [post.slug for post in result.posts] == ["same", "same-2", "same-3", "same-2-2"]
    assert reasons(result.checked, "post 1.same") == []
    assert reasons(result.checked, "post 2.same") == [
        "its address /p/same/ belongs to an earlier post: it is now /p/same-2/"
    ]


def test_slugs_are_slugified_and_at_most_120_characters(tmp_path):
    rows = [post_row("1." + "Long Word " * 30), post_row("2", title="Only A Number")]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=0))

    long, numbered = result.posts
    assert len(long.slug) <= 120
    assert long.slug.startswith("long-word-long-word")
    assert numbered.slug == "only-a-number"


def test_an_empty_title_becomes_untitled_with_a_warning(tmp_path):
    row = post_row("1.a", title="  ")
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    assert result.posts[0].title == "Untitled"
    assert "has no title: imported as “Untitled”" in reasons(result.checked, "post 1.a")


def test_a_repeated_post_id_keeps_the_first(tmp_path):
    rows = [
        post_row("1.a", title="First"),
        post_row("1.a", title="Second"),
        post_row("", title="X"),
    ]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=0))

    assert [post.title for post in result.posts] == ["First"]
    assert result.counts["posts"] == 1
    assert reasons(result.checked, "posts.csv row 4") == ["has no post_id"]


def test_extra_and_missing_optional_columns_are_fine(tmp_path):
    columns = ["post_id", "post_date", "is_published", "title", "audience", "wordcount"]
    rows = [post_row("1.a", wordcount="1200")]
    path = build_substack_export(
        tmp_path / "e.zip", posts=rows, subscribers=0, post_columns=columns
    )
    result = read_all(path)

    [post] = result.posts
    assert post.kind is PostKind.POST
    assert post.emailed_at is None
    assert post.subtitle == ""


def test_a_missing_audience_column_warns_that_posts_become_public(tmp_path):
    columns = ["post_id", "post_date", "is_published", "title"]
    path = build_substack_export(
        tmp_path / "e.zip", posts=[post_row("1.a")], subscribers=0, post_columns=columns
    )
    result = read_all(path)

    assert result.posts[0].audience is PostAudience.EVERYONE
    assert reasons(result.checked, "posts.csv") == [
        "has no audience column: every post is imported as public; check paid posts"
    ]


def test_missing_required_columns_stop_the_import_naming_them(tmp_path):
    columns = ["post_id", "title", "type"]
    path = build_substack_export(
        tmp_path / "e.zip", posts=[post_row("1.a")], subscribers=0, post_columns=columns
    )
    with opened(path) as reader, pytest.raises(ExportError, match="post_date, is_published"):
        reader.check()


def test_bad_dates_are_left_empty_with_a_warning(tmp_path):
    rows = [post_row("1.a", post_date="last tuesday", email_sent_at="2023-13-45T00:00:00Z")]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=0))

    [post] = result.posts
    assert post.published_at is None
    assert post.emailed_at is None
    assert reasons(result.checked, "post 1.a") == [
        "its post_date “last tuesday” is not a date: left empty",
        "its email_sent_at “2023-13-45T00:00:00Z” is not a date: left empty",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-05-01T14:03:22.123Z", dt.datetime(2023, 5, 1, 14, 3, 22, 123000, tzinfo=UTC)),
        ("2023-05-01T14:03:22Z", dt.datetime(2023, 5, 1, 14, 3, 22, tzinfo=UTC)),
        ("2023-05-01T16:03:22+02:00", dt.datetime(2023, 5, 1, 14, 3, 22, tzinfo=UTC)),
        ("2023-05-01 14:03:22", dt.datetime(2023, 5, 1, 14, 3, 22, tzinfo=UTC)),
        ("2023-05-01", dt.datetime(2023, 5, 1, tzinfo=UTC)),
        (" 1682949802 ", dt.datetime(2023, 5, 1, 14, 3, 22, tzinfo=UTC)),
    ],
)
def test_dates_in_the_forms_exports_use(text, expected):
    assert parse_date(text) == expected


def test_post_bodies_at_the_root_are_found(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=[post_row("1.a", body=None)],
        subscribers=0,
        extra_files={"1.a.html": "<p>At the root</p>"},
    )
    result = read_all(path)

    assert result.posts[0].state is PostState.PUBLISHED
    assert "At the root" in result.posts[0].body_markdown


@needs_markup
def test_bodies_become_markdown_with_their_images(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=[post_row("1.a")],
        subscribers=0,
        image_base_url="http://127.0.0.1:9/media",
    )
    result = read_all(path)

    [post] = result.posts
    assert "http://127.0.0.1:9/media/post-0.png" in post.image_urls
    assert "A quotation worth keeping." in post.body_markdown
    assert "<div" not in post.body_markdown


@needs_markup
def test_what_converting_a_body_changed_is_in_checks_lines(tmp_path):
    body = '<p>Watch</p><iframe src="https://www.youtube.com/embed/abc"></iframe>'
    path = build_substack_export(
        tmp_path / "e.zip", posts=[post_row("1.a", body=body)], subscribers=0
    )
    with opened(path) as reader:
        checked = reader.check()

    [line] = checked
    assert line.item == "post 1.a"
    assert line.kind is LineKind.WARNING
    assert "www.youtube.com" in line.reason


@needs_markup
def test_a_body_that_is_not_utf8_is_read_with_a_warning(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=[post_row("1.a", body=None)],
        subscribers=0,
        extra_files={"posts/1.a.html": "<p>Caf\xe9 cr\xe8me</p>".encode("cp1252")},
    )
    result = read_all(path)

    assert "Caf" in result.posts[0].body_markdown
    assert "its body is not valid UTF-8: odd characters replaced" in reasons(
        result.lines, "post 1.a"
    )


def test_the_builder_writes_substack_markup():
    body = substack_body(7, "http://127.0.0.1:8000/img/")
    assert 'class="captioned-image-container"' in body
    assert 'src="http://127.0.0.1:8000/img/post-7.png"' in body
    assert 'class="paywall-jump"' in body
    assert 'class="footnote"' in body


# Not an export, broken files


def test_a_zip_without_posts_or_subscribers_is_not_a_substack_export(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("posts.json", "[]")
        archive.writestr("notes.csv", "a,b\n1,2\n")
    with opened(path) as reader, pytest.raises(ExportError, match="not a Substack export"):
        reader.check()


def test_a_broken_csv_stops_the_import_naming_the_file_and_line(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=0,
        subscribers=0,
        extra_files={
            "posts.csv": 'post_id,post_date,is_published,title\n1.a,2023-01-01,true,"Open'
        },
    )
    with opened(path) as reader, pytest.raises(ExportError, match=r"“posts.csv”.* at line 2"):
        reader.check()


def test_a_broken_history_file_is_found_by_check(tmp_path):
    rows = [post_row("1.a", delivers=[])]
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=rows,
        subscribers=0,
        extra_files={"posts/1.a.opens.csv": 'post_id,timestamp,email\n1,x,"a@b.c"z\n'},
    )
    with opened(path) as reader, pytest.raises(ExportError, match="1.a.opens.csv"):
        reader.check()


def test_a_posts_csv_in_windows_1252_is_refused_with_a_message(tmp_path):
    text = "post_id,post_date,is_published,title\n1.a,2023-01-01,true,Café\n"
    path = build_substack_export(
        tmp_path / "e.zip", posts=0, subscribers=0, extra_files={"posts.csv": text.encode("cp1252")}
    )
    with opened(path) as reader, pytest.raises(ExportError, match="UTF-8"):
        reader.check()


def test_an_export_inside_one_folder_is_read(tmp_path):
    inner = build_substack_export(tmp_path / "inner.zip", posts=2, subscribers=3)
    path = tmp_path / "rezipped.zip"
    with zipfile.ZipFile(inner) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            target.writestr(f"my-export/{name}", source.read(name))
    result = read_all(path)

    assert len(result.posts) == 2
    assert len(result.subscribers) == 3
    assert result.posts[0].body_markdown


def test_byte_order_marks_are_ignored(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip", posts=[post_row("1.a")], subscribers=2, bom=True
    )
    result = read_all(path)

    assert result.posts[0].source_id == "1.a"
    assert [s.email for s in result.subscribers] == ["reader0@example.com", "reader1@example.com"]


fuzzed_csv = st.text(alphabet=st.sampled_from(list(',"\n\r 1a.:-TZ+@é\x00\ufeff')), max_size=120)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(posts=fuzzed_csv, history=fuzzed_csv, subscribers=fuzzed_csv, whole=fuzzed_csv)
def test_any_csv_is_read_or_refused_with_an_export_error(
    tmp_path, posts, history, subscribers, whole
):
    path = build_substack_export(
        tmp_path / "fuzz.zip",
        posts=0,
        subscribers=0,
        extra_files={
            "posts.csv": "post_id,post_date,is_published,title,audience\n1.a,2023-01-01,true,T\n"
            + posts,
            "posts/1.a.delivers.csv": "post_id,timestamp,email\n" + history,
            "posts/1.a.opens.csv": whole,
            "email_list.x.csv": "email,active_subscription,expiry,plan,created_at\n" + subscribers,
            "subscribers.csv": whole,
        },
    )
    try:
        result = read_all(path)
    except ExportError:
        return
    assert result.counts == {
        "posts": len(result.posts),
        "subscribers": len(result.subscribers),
        "deliveries": len(result.deliveries),
    }


# Subscribers


def test_the_email_list_maps_paid_comp_and_gift(tmp_path):
    rows = [generated_subscriber(n) for n in range(10)]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=0, subscribers=rows))

    by_email = {s.email: s for s in result.subscribers}
    free, paid, comp, gift = (by_email[f"reader{n}@example.com"] for n in (0, 7, 8, 9))
    assert free.paid_kind is PaidKind.NONE
    assert free.paid_until is None
    assert paid.paid_kind is PaidKind.PAID
    assert paid.paid_until == parse_date(rows[7]["expiry"])
    assert comp.paid_kind is PaidKind.COMP
    assert gift.paid_kind is PaidKind.GIFT
    assert free.subscribed_at == parse_date(rows[0]["created_at"])
    assert free.wants_email is True
    assert result.counts["subscribers"] == 10


def test_email_disabled_means_no_email(tmp_path):
    rows = [{"email": "quiet@example.com", "email_disabled": "true"}]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=0, subscribers=rows))

    assert result.subscribers[0].wants_email is False
    assert result.subscribers[0].is_active is True


@pytest.mark.parametrize(
    ("substack_type", "paid_kind"),
    [
        ("paid", PaidKind.PAID),
        ("ios_app", PaidKind.PAID),
        ("comp", PaidKind.COMP),
        ("gift", PaidKind.GIFT),
        ("free", PaidKind.NONE),
    ],
)
def test_the_dashboard_export_maps_types(tmp_path, substack_type, paid_kind):
    rows = [
        {
            "email": "a@example.com",
            "name": "Ada Okafor",
            "type": substack_type,
            "stripe_connected_customer_id": "cus_1",
            "created_at": "2022-02-03 10:00:00",
        }
    ]
    path = build_substack_export(
        tmp_path / "e.zip", posts=0, subscribers=rows, subscriber_format="dashboard"
    )
    result = read_all(path)

    [subscriber] = result.subscribers
    assert subscriber.paid_kind is paid_kind
    assert subscriber.name == "Ada Okafor"
    assert subscriber.stripe_customer_id == "cus_1"
    assert subscriber.subscribed_at == dt.datetime(2022, 2, 3, 10, tzinfo=UTC)


def test_the_dashboard_export_reads_subscription_date(tmp_path):
    rows = [{"email": "a@example.com", "type": "free", "subscription_date": "2021-01-01"}]
    columns = ["email", "type", "subscription_date"]
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=0,
        subscribers=rows,
        subscriber_format="dashboard",
        subscriber_columns=columns,
    )
    result = read_all(path)

    assert result.subscribers[0].subscribed_at == dt.datetime(2021, 1, 1, tzinfo=UTC)


def test_a_subscribers_only_export_is_accepted(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip", posts=0, subscribers=5, subscriber_format="dashboard"
    )
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    only_subscribers = tmp_path / "subs.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(only_subscribers, "w") as target:
        for name in names:
            if name != "posts.csv":
                target.writestr(name, source.read(name))
    result = read_all(only_subscribers)

    assert result.posts == []
    assert len(result.subscribers) == 5


def test_both_formats_merge_by_address_and_the_dashboard_wins_paid_details(tmp_path):
    rows = [generated_subscriber(n) for n in range(10)]
    rows[8] = rows[8] | {"type": "paid"}  # the email list says comp; the dashboard says paid
    path = build_substack_export(
        tmp_path / "e.zip", posts=0, subscribers=rows, subscriber_format="both"
    )
    result = read_all(path)

    emails = [s.email for s in result.subscribers]
    assert emails == [f"reader{n}@example.com" for n in range(10)]
    by_email = {s.email: s for s in result.subscribers}
    assert by_email["reader8@example.com"].paid_kind is PaidKind.PAID
    assert by_email["reader7@example.com"].stripe_customer_id == "cus_00000007"
    assert by_email["reader7@example.com"].name == rows[7]["name"]
    assert result.counts["subscribers"] == 10
    assert not [line for line in result.checked if "twice" in line.reason]


def test_a_dashboard_only_subscriber_is_added_after_the_email_list(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=0,
        subscribers=[{"email": "list@example.com"}],
        extra_files={
            "subscribers.csv": "email,type,name\nLIST@example.com,comp,L\nnew@example.com,gift,N\n"
        },
    )
    result = read_all(path)

    assert [(s.email, s.paid_kind) for s in result.subscribers] == [
        ("list@example.com", PaidKind.COMP),
        ("new@example.com", PaidKind.GIFT),
    ]


def test_deletion_requests_blank_and_repeated_addresses_are_skipped(tmp_path):
    rows = [
        {"email": "kept@example.com"},
        {"email": "abc123@deletion-request.substack.com"},
        {"email": "", "plan": "comp"},
        {"email": " Kept@Example.com "},
    ]
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=0, subscribers=rows))

    assert [s.email for s in result.subscribers] == ["kept@example.com"]
    assert result.counts["subscribers"] == 1
    assert reasons(result.checked, "subscriber abc123@deletion-request.substack.com") == [
        "asked Substack to delete their data: not imported"
    ]
    assert reasons(result.checked, "email_list.example.csv row 4") == ["has no email address"]
    assert reasons(result.checked, "subscriber kept@example.com") == [
        "appears twice (again in email_list.example.csv): kept the first"
    ]


def test_reading_many_subscribers_streams(tmp_path):
    path = build_substack_export(tmp_path / "e.zip", posts=0, subscribers=50_000)
    with opened(path) as reader:
        reader.check()
        subscribers = reader.subscribers()
        assert inspect.isgenerator(subscribers)
        tracemalloc.start()
        count = sum(1 for _ in subscribers)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == 50_000
    # 50,000 subscriber objects would take far more; the set of seen addresses is what remains.
    assert peak < 12 * 1024**2


# Email history


def history_row(email, timestamp, **extra):
    return {"post_id": "1", "email": email, "timestamp": timestamp} | extra


def test_history_is_one_delivery_per_post_and_address(tmp_path):
    row = post_row(
        "1.a",
        email_sent_at="2023-05-01T15:00:00Z",
        delivers=[
            history_row("a@example.com", "2023-05-01T15:00:05Z"),
            history_row("B@Example.com ", "2023-05-01T15:00:06Z"),
            history_row("a@example.com", "2023-05-01T15:00:01Z"),
        ],
        opens=[
            history_row("a@example.com", "2023-05-02T09:00:00Z", country="NL", device="ios"),
            history_row("a@example.com", "2023-05-01T18:00:00.500Z"),
            history_row("c@example.com", "2023-05-03 10:00:00"),
        ],
    )
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    a, b, c = result.deliveries
    assert (a.post_source_id, a.email) == ("1.a", "a@example.com")
    assert a.delivered_at == dt.datetime(2023, 5, 1, 15, 0, 1, tzinfo=UTC)
    assert a.opened_at == dt.datetime(2023, 5, 1, 18, 0, 0, 500000, tzinfo=UTC)
    assert a.open_count == 2
    assert (b.email, b.opened_at, b.open_count) == ("b@example.com", None, 0)
    assert (c.email, c.delivered_at, c.open_count) == ("c@example.com", None, 1)
    assert result.counts["deliveries"] == 3


def test_history_at_the_root_is_read(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip", posts=6, subscribers=30, history_per_post=10, layout="root"
    )
    with zipfile.ZipFile(path) as archive:
        assert not [
            name for name in archive.namelist() if name.startswith("posts/") and "delivers" in name
        ]
    result = read_all(path)

    emailed = [post for post in result.posts if post.emailed_at]
    assert len(result.deliveries) == 10 * len(emailed)
    assert {d.post_source_id for d in result.deliveries} == {post.source_id for post in emailed}
    assert any(d.open_count > 1 for d in result.deliveries)


def test_history_of_a_post_not_in_posts_csv_is_skipped(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip",
        posts=[post_row("1.a", delivers=[history_row("a@example.com", "2023-05-01")])],
        subscribers=0,
        extra_files={"posts/9.gone.delivers.csv": "post_id,timestamp,email\n9,2023-01-01,x@y.z\n"},
    )
    result = read_all(path)

    assert [d.email for d in result.deliveries] == ["a@example.com"]
    assert reasons(result.checked, "posts/9.gone.delivers.csv") == [
        "its post is not in posts.csv: history not imported"
    ]


def test_history_rows_with_bad_timestamps_or_deleted_addresses_are_counted(tmp_path):
    row = post_row(
        "1.a",
        delivers=[
            history_row("a@example.com", "yesterday"),
            history_row("x@deletion-request.substack.com", "2023-05-01"),
            history_row("", "2023-05-01"),
        ],
    )
    result = read_all(build_substack_export(tmp_path / "e.zip", posts=[row], subscribers=0))

    [delivery] = result.deliveries
    assert delivery.delivered_at is None
    assert reasons(result.checked, "posts/1.a.delivers.csv") == [
        "2 row(s) without an address, or of deleted subscribers, skipped",
        "1 row(s) had no readable timestamp",
    ]


# The whole export


def test_check_foresees_what_the_iterators_report(tmp_path):
    rows = [generated_post(n) for n in range(12)]
    rows[3] = rows[3] | {"body": None, "title": ""}
    rows[5] = rows[5] | {"post_id": rows[4]["post_id"].split(".")[0] + "x." + "post-number-4"}
    subscribers = [generated_subscriber(n) for n in range(20)]
    subscribers[4] = {"email": "zz@deletion-request.substack.com"}
    path = build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=subscribers)
    result = read_all(path)

    def key(line):
        return (line.kind, line.item, line.reason)

    assert result.checked
    assert sorted(map(key, result.checked)) == sorted(map(key, result.lines))
    assert result.counts == {
        "posts": len(result.posts),
        "subscribers": len(result.subscribers),
        "deliveries": len(result.deliveries),
    }
    assert any(line.kind is LineKind.SKIPPED for line in result.checked)


def test_iterating_twice_reports_each_line_once(tmp_path):
    path = build_substack_export(
        tmp_path / "e.zip", posts=[post_row("1.a", body=None)], subscribers=0
    )
    with opened(path) as reader:
        list(reader.posts())
        list(reader.posts())
        lines = reader.report_lines()

    assert [line.reason for line in lines] == ["had no body in the export: imported as a draft"]


def test_count_checks_first_when_check_has_not_run(tmp_path):
    path = build_substack_export(tmp_path / "e.zip", posts=3, subscribers=4, history_per_post=2)
    with opened(path) as reader:
        counts = reader.count()

    assert counts["posts"] == 3
    assert counts["subscribers"] == 4
    assert counts["deliveries"] == 3 * 2  # the first three made-up posts are emailed newsletters


def test_the_builder_makes_a_large_export_quickly(tmp_path):
    started = time.monotonic()
    path = build_substack_export(
        tmp_path / "big.zip", posts=200, subscribers=20_000, history_per_post=100
    )
    assert time.monotonic() - started < 10  # about 0.5 s on an idle two-core machine
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert {"posts.csv", "email_list.example.csv", "posts/100000.post-number-0.html"} <= names
