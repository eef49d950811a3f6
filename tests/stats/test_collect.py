"""Page views counted when a public page is served (a stored page on the fast path, a rendered
one through Django) and written in batches: no query on the request, one insert per flush."""

import logging
import threading
import time

import pytest

from masthead.site_asgi import application as asgi_application
from masthead.stats.models import PageHit
from masthead.stats.visits import Viewer
from tests import factories
from tests.serving.asgi_client import request as asgi_request
from tests.stats.collecting import BROWSER, IPHONE, fresh_collector, visit

pytestmark = pytest.mark.django_db(transaction=True)  # the WSGI handler closes connections


@pytest.fixture
def collector(settings):
    yield from fresh_collector(settings)


@pytest.fixture
def post(publication):
    return factories.make_post(publication, "Counted post", body="Words to count.")


def viewer(**fields) -> Viewer:
    values = {
        "client": "198.51.100.1",
        "user_agent": BROWSER,
        "referer": "",
        "accept_language": "",
        "do_not_track": "",
        "global_privacy_control": "",
    }
    return Viewer(**{**values, **fields})


def test_a_rendered_page_and_a_stored_page_are_each_counted_once(
    collector, post, publication, django_assert_num_queries
):
    assert visit("/p/counted-post/").headers["x-page-cache"] == "miss"
    with django_assert_num_queries(0):  # the fast path still answers without the database
        assert visit("/p/counted-post/").headers["x-page-cache"] == "hit"
    assert collector.waiting_count() == 2

    assert collector.flush() == 2

    hits = list(PageHit.objects.order_by("id"))
    assert [(hit.publication_id, hit.post_id, hit.path) for hit in hits] == [
        (publication.id, post.id, "/p/counted-post/")
    ] * 2
    assert hits[0].visitor == hits[1].visitor
    assert collector.waiting_count() == 0


def test_the_home_archive_and_about_pages_count_without_a_post(collector, post, publication):
    for path in ("/", "/archive/", "/about/"):
        assert visit(path).status == 200
    collector.flush()
    rows = PageHit.objects.order_by("id").values_list("path", "post_id", "publication_id")
    assert list(rows) == [(path, None, publication.id) for path in ("/", "/archive/", "/about/")]


def test_feeds_head_requests_and_revalidations_are_not_counted(collector, post):
    assert visit("/feed/").status == 200
    assert visit("/feed/").headers["x-page-cache"] == "hit"
    secret = visit("/p/counted-post/").cookies[0].split(";")[0].split("=", 1)[1]
    cookie = {"Cookie": f"csrftoken={secret}"}
    etag = visit("/p/counted-post/", headers=cookie).headers["etag"]
    collector.discard_waiting()
    assert visit("/p/counted-post/", method="HEAD").status == 200
    not_modified = visit("/p/counted-post/", headers={**cookie, "If-None-Match": etag})
    assert not_modified.status == 304
    assert collector.waiting_count() == 0


def test_pages_outside_the_publication_are_not_counted(collector, post, client):
    client.get("/subscribe/")
    client.get("/desk/")
    client.get("/p/no-such-post/")
    assert collector.waiting_count() == 0


def test_a_signed_in_reader_is_counted_on_the_rendered_page(collector, post, client, reader):
    client.force_login(reader)
    assert client.get("/p/counted-post/", headers={"user-agent": BROWSER}).status_code == 200
    collector.flush()
    assert PageHit.objects.get().post_id == post.id


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}, {"DNT": " 1 "}])
def test_readers_who_ask_not_to_be_tracked_are_not_counted(collector, post, header):
    assert visit("/p/counted-post/", headers=header).status == 200  # rendered
    assert visit("/p/counted-post/", headers=header).headers["x-page-cache"] == "hit"
    assert collector.waiting_count() == 0
    visit("/p/counted-post/", headers={"DNT": "0"})
    assert collector.waiting_count() == 1


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0",
        "Slackbot-LinkExpanding 1.0",
        "Mozilla/5.0 (compatible; Discordbot/2.0)",
        "WhatsApp link preview",
        "SomeSpider/1.0",
        "Mozilla/5.0 (compatible; AhrefsCrawler)",
    ],
)
def test_obvious_bots_are_not_counted(collector, post, user_agent):
    visit("/p/counted-post/", headers={"User-Agent": user_agent})
    visit("/p/counted-post/", headers={"User-Agent": user_agent})
    visit("/p/counted-post/")  # a reader among them
    assert collector.flush() == 1
    assert PageHit.objects.count() == 1


def test_where_the_reader_came_from_is_recorded(collector, post):
    visit(
        "/p/counted-post/?utm_source=newsletter&utm_medium=email&utm_campaign=" + "x" * 300,
        headers={
            "User-Agent": IPHONE,
            "Referer": "https://WWW.News.Example.com/story?id=1",
            "Accept-Language": "en-GB,en;q=0.9",
        },
    )
    visit("/p/counted-post/", headers={"Referer": "http://testserver/archive/"})
    collector.flush()

    first, second = PageHit.objects.order_by("id")
    assert (first.utm_source, first.utm_medium, first.utm_campaign) == (
        "newsletter",
        "email",
        "x" * 100,
    )
    assert first.referrer_host == "news.example.com"
    assert first.country == "GB"
    assert first.device == "mobile"
    assert first.path == "/p/counted-post/"
    assert second.referrer_host == ""  # our own pages are not a referrer
    assert (second.country, second.device, second.utm_source) == ("", "desktop", "")


def test_flush_writes_every_waiting_view_in_one_query(
    collector, publication, django_assert_num_queries
):
    for number in range(50):
        collector.count_view(
            publication.id, viewer(client=f"10.0.0.{number}"), host="testserver", path="/"
        )
    collector.flush()  # makes the day's salt
    for number in range(50):
        collector.count_view(
            publication.id, viewer(client=f"10.0.0.{number}"), host="testserver", path="/"
        )
    with django_assert_num_queries(1):
        assert collector.flush() == 50
    assert PageHit.objects.count() == 100
    assert PageHit.objects.values("visitor").distinct().count() == 50


def test_post_slugs_are_resolved_in_one_query_at_flush(
    collector, publication, post, django_assert_num_queries
):
    other = factories.make_post(publication, "Other post")
    collector.flush()
    collector.count_view(publication.id, viewer(), host="h", path="/", post_slug="counted-post")
    collector.flush()  # the salt
    for slug in ("counted-post", "other-post", "gone-post", "counted-post"):
        collector.count_view(publication.id, viewer(), host="h", path="/", post_slug=slug)
    with django_assert_num_queries(2):
        collector.flush()
    post_ids = list(PageHit.objects.order_by("id").values_list("post_id", flat=True))
    assert post_ids == [post.id, post.id, other.id, None, post.id]


def test_counting_never_queries_the_database(collector, publication, django_assert_num_queries):
    with django_assert_num_queries(0):
        for _ in range(100):
            collector.count_view(publication.id, viewer(), host="testserver", path="/")
    assert collector.waiting_count() == 100


def test_a_full_buffer_drops_views_and_says_how_many(collector, publication, settings, caplog):
    settings.STATS_BUFFER_ROWS = 3
    for _ in range(5):
        collector.count_view(publication.id, viewer(), host="testserver", path="/")
    assert collector.waiting_count() == 3
    with caplog.at_level(logging.WARNING, logger="masthead.stats.collect"):
        assert collector.flush() == 3
    assert "Dropped 2 page views" in caplog.text


def test_hostile_headers_are_counted_without_an_error(collector, post):
    hostile = {
        "User-Agent": "Mozilla/5.0 (X11; Linux) " + "\u00ff\u00fe" * 20_000,
        "Referer": "http://[::1/\u00c3\u0028" + "a" * 50_000,
        "Accept-Language": "xx-\u00ff\u00ff," * 5_000,
        "DNT": "\u00ff",
    }
    assert (
        visit("/p/counted-post/?utm_source=%FF%00%C3%28&utm_medium=\u00ff", headers=hostile).status
        == 200
    )
    assert visit("/p/counted-post/", headers=hostile).status == 200
    assert visit("/p/counted-post/", headers={"Referer": "not a url \x00"}).status == 200
    assert collector.flush() == 3
    hit = PageHit.objects.order_by("id").first()
    assert hit.referrer_host == ""
    assert hit.country == ""
    assert "\x00" not in hit.utm_source and len(hit.utm_source) <= 100
    assert hit.device == "desktop"


def test_odd_paths_and_queries_are_stored_cleaned(collector, publication):
    collector.count_view(
        publication.id,
        viewer(referer="https://xn--bcher-kva.example/\udcff", accept_language="\x00-GB"),
        host="testserver",
        path="/p/caf\u00c3\u00a9/\x00" + "z" * 5000,
        query="utm_source=a%00b&utm_source=second&utm_campaign=%E2%82%AC",
    )
    collector.flush()
    hit = PageHit.objects.get()
    assert hit.path.startswith("/p/café/") and len(hit.path) == 300 and "\x00" not in hit.path
    assert (hit.utm_source, hit.utm_campaign) == ("ab", "€")
    assert hit.referrer_host == "xn--bcher-kva.example"


def test_a_stored_page_is_counted_on_the_asgi_fast_path(collector, post, publication):
    visit("/p/counted-post/")
    collector.discard_waiting()
    hit = asgi_request(asgi_application, "GET", "/p/counted-post/", headers={"User-Agent": BROWSER})
    assert hit.headers["x-page-cache"] == "hit"
    skipped = asgi_request(
        asgi_application, "GET", "/p/counted-post/", headers={"User-Agent": BROWSER, "Sec-GPC": "1"}
    )
    assert skipped.headers["x-page-cache"] == "hit"
    collector.flush()
    assert list(PageHit.objects.values_list("publication_id", "post_id")) == [
        (publication.id, post.id)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_writer_thread_flushes_on_its_own(collector, publication, settings):
    settings.STATS_FLUSH_SECONDS = 1
    collector._flusher_pid = None  # as in a new process
    collector.count_view(publication.id, viewer(), host="testserver", path="/")
    deadline = time.monotonic() + 10
    while not PageHit.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert PageHit.objects.count() == 1
    assert any(thread.name == "stats-flush" for thread in threading.enumerate())
