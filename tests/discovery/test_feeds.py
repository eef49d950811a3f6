"""Public feeds: RSS, Atom and JSON Feed of a publication, a section and an author."""

import datetime as dt
import json

import feedparser
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from django.utils.http import http_date

from masthead.posts.models import Audience, Post, PostKind, PostStatus
from masthead.posts.services import PostContent, update_post
from masthead.publications.models import Section
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db

SENTENCE = "Quillwort ledger seventeen: the paid sentence."
PAID_BODY = (
    "An open first paragraph.\n\nAn open second paragraph.\n\n<!-- paywall -->\n\n"
    f"{SENTENCE}\n\nMore for paid readers only."
)
XML_FEEDS = ["/feed/", "/feed/atom/"]


def parse(response):
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


@pytest.fixture
def author(publication):
    return make_person("Ada Author")


@pytest.fixture
def section(publication):
    return Section.objects.create(publication=publication, name="Field notes", slug="field-notes")


@pytest.fixture
def posts(publication, author, section):
    return {
        "free": make_post(
            publication, "Free one", author=author, subtitle="A free subtitle",
            body="Free words.\n\n![a picture](/media/covers/a.png)", tags=["gardens"],
            section=section,
        ),
        "paid": make_post(publication, "Paid one", author=author, audience=Audience.PAID,
                          body=PAID_BODY),
        "page": make_post(publication, "About page", kind=PostKind.PAGE),
        "draft": make_post(publication, "Draft one", status=PostStatus.DRAFT),
    }  # fmt: skip


@pytest.mark.parametrize("url", XML_FEEDS)
def test_publication_feed_parses_and_lists_published_posts_newest_first(client, posts, url):
    parsed = parse(client.get(url))
    assert [entry.title for entry in parsed.entries] == ["Free one", "Paid one"]
    assert parsed.feed.title == "The Daily Build"
    assert parsed.entries[0].link == f"http://testserver/p/{posts['free'].slug}/"


@pytest.mark.parametrize("url", XML_FEEDS)
def test_free_post_is_whole_with_absolute_images_author_and_categories(client, posts, url):
    entry = parse(client.get(url)).entries[0]
    content = entry.content[0].value
    assert "Free words." in content
    assert 'src="http://testserver/media/covers/a.png"' in content
    assert entry.author == "Ada Author"
    assert {tag.term for tag in entry.tags} == {"gardens", "Field notes"}
    assert entry.summary == "A free subtitle"


@pytest.mark.parametrize("url", [*XML_FEEDS, "/feed/json/"])
def test_paid_post_shows_only_its_preview_and_a_link_to_the_rest(client, posts, url):
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert SENTENCE not in text
    assert "More for paid readers only" not in text
    assert "An open first paragraph." in text
    assert "Read the rest on The Daily Build" in text


def test_json_feed_has_the_required_keys(client, posts):
    response = client.get("/feed/json/")
    assert response["Content-Type"].startswith("application/feed+json")
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "The Daily Build"
    assert feed["feed_url"] == "http://testserver/feed/json/"
    assert [item["title"] for item in feed["items"]] == ["Free one", "Paid one"]
    for item in feed["items"]:
        assert item["id"] and item["url"].startswith("http://testserver/p/")
        assert "content_html" in item and item["date_published"]
    assert feed["items"][0]["authors"] == [{"name": "Ada Author"}]


def test_section_feed_lists_only_the_sections_posts(client, posts, section):
    parsed = parse(client.get("/feed/section/field-notes/"))
    assert [entry.title for entry in parsed.entries] == ["Free one"]
    assert parsed.feed.title == "The Daily Build: Field notes"
    parse(client.get("/feed/section/field-notes/atom/"))
    assert json.loads(client.get("/feed/section/field-notes/json/").content)["items"]


def test_author_feed_lists_only_the_authors_posts(client, posts, author, publication):
    make_post(publication, "Someone else's")
    parsed = parse(client.get(f"/feed/author/{author.id}/"))
    assert [entry.title for entry in parsed.entries] == ["Free one", "Paid one"]
    assert parsed.feed.title == "The Daily Build: Ada Author"
    parse(client.get(f"/feed/author/{author.id}/atom/"))
    assert len(json.loads(client.get(f"/feed/author/{author.id}/json/").content)["items"]) == 2


@pytest.mark.parametrize(
    "url",
    [
        "/feed/section/no-such-section/",
        "/feed/author/999999/",
        "/feed/author/99999999999999999999999999/",
        "/pub/no-such-publication/feed/",
        "/feed/private/not-a-token/",
    ],
)
def test_feeds_of_what_does_not_exist_are_404(client, posts, url):
    assert client.get(url).status_code == 404


def test_author_who_wrote_only_a_page_or_a_draft_has_no_feed(client, posts):
    page_author = posts["page"].bylines.get().person
    assert client.get(f"/feed/author/{page_author.id}/").status_code == 404


def test_feed_without_any_publication_is_404(client, db):
    assert client.get("/feed/").status_code == 404
    assert client.get("/feed/json/").status_code == 404


def test_feed_refuses_post(client, posts):
    assert client.post("/feed/").status_code == 405


def test_feed_of_a_publication_under_its_prefix_links_there(client, posts):
    other = make_publication(name="Other", slug="other")
    make_post(other, "Other's post")
    parsed = parse(client.get("/pub/other/feed/"))
    assert [entry.title for entry in parsed.entries] == ["Other's post"]
    assert parsed.entries[0].link.startswith("http://testserver/pub/other/p/")


def test_control_characters_in_titles_do_not_break_the_xml(client, publication):
    make_post(publication, "Bell\x07 and tab", tags=["odd\x0btag"])
    parsed = parse(client.get("/feed/"))
    assert parsed.entries[0].title == "Bell and tab"


def test_free_podcast_has_its_audio_as_an_enclosure(client, publication):
    make_post(publication, "Episode", kind=PostKind.PODCAST,
              audio_url="https://cdn.example.com/ep1.m4a")  # fmt: skip
    entry = parse(client.get("/feed/")).entries[0]
    assert entry.enclosures[0].href == "https://cdn.example.com/ep1.m4a"
    assert entry.enclosures[0].type == "audio/mp4"
    atom_entry = parse(client.get("/feed/atom/")).entries[0]
    assert atom_entry.enclosures[0].href == "https://cdn.example.com/ep1.m4a"
    item = json.loads(client.get("/feed/json/").content)["items"][0]
    assert item["attachments"][0]["url"] == "https://cdn.example.com/ep1.m4a"


def test_uploaded_podcast_audio_gets_an_absolute_address(client, publication):
    make_post(publication, "Episode", kind=PostKind.PODCAST, audio_url="/media/audio/ep.mp3")
    entry = parse(client.get("/feed/")).entries[0]
    assert entry.enclosures[0].href == "http://testserver/media/audio/ep.mp3"
    assert entry.enclosures[0].type == "audio/mpeg"


def test_paid_podcast_has_no_audio_in_the_public_feed(client, publication):
    make_post(publication, "Paid episode", kind=PostKind.PODCAST, audience=Audience.PAID,
              audio_url="https://cdn.example.com/secret.mp3")  # fmt: skip
    for url in ["/feed/", "/feed/atom/", "/feed/json/"]:
        assert b"secret.mp3" not in client.get(url).content


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/feed/json/"])
def test_same_etag_gets_304_without_a_body(client, posts, url):
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_if_modified_since_the_newest_change_gets_304(client, posts):
    first = client.get("/feed/")
    again = client.get("/feed/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    older = http_date((timezone.now() - dt.timedelta(days=400)).timestamp())
    assert client.get("/feed/", HTTP_IF_MODIFIED_SINCE=older).status_code == 200


def test_an_edited_post_changes_the_etag(client, posts):
    first = client.get("/feed/")
    post = posts["free"]
    update_post(post, PostContent(title="Free one, edited", body_markdown="New words."))
    again = client.get("/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Free one, edited" in again.content.decode()


def test_renamed_publication_changes_the_etag(client, posts, publication):
    first = client.get("/feed/")
    publication.name = "The Weekly Build"
    publication.save(update_fields=["name"])
    assert client.get("/feed/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_feeds_cost_a_fixed_number_of_queries(
    client, publication, author, section, django_assert_max_num_queries
):
    for index in range(22):  # more than a feed holds
        make_post(publication, f"Post {index}", author=author, section=section, tags=["t"])
    for url in ["/feed/", "/feed/atom/", "/feed/json/", f"/feed/author/{author.id}/"]:
        with django_assert_max_num_queries(4):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.count(b"<p>Some words.</p>") in (0, 20)
        assert response.content.count(b"Post ") >= 20
    with django_assert_max_num_queries(5):
        assert client.get("/feed/section/field-notes/").status_code == 200


def test_feed_links_include_has_one_line_per_format(publication):
    request = RequestFactory().get("/")
    html = render_to_string(
        "discovery/_feed_links.html", {"publication": publication}, request=request
    )
    assert 'type="application/rss+xml" title="The Daily Build (RSS)" href="/feed/"' in html
    assert 'type="application/atom+xml" title="The Daily Build (Atom)" href="/feed/atom/"' in html
    assert 'type="application/feed+json" title="The Daily Build (JSON Feed)"' in html
    assert render_to_string("discovery/_feed_links.html", {"publication": None}).strip() == ""


def test_a_published_row_without_a_date_still_gives_a_feed(client, posts):
    Post.objects.filter(pk=posts["free"].pk).update(published_at=None)
    for url in ["/feed/", "/feed/atom/"]:
        assert "Free one" in [entry.title for entry in parse(client.get(url)).entries]
    assert client.get("/feed/json/").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_IF_NONE_MATCH": 'garbage, "x", W/'},
        {"HTTP_IF_MODIFIED_SINCE": "not a date"},
        {"HTTP_IF_MODIFIED_SINCE": "Mon, 99 Foo 99999 99:99:99 GMT"},
        {"HTTP_IF_MATCH": "*"},
    ],
)
def test_odd_conditional_headers_still_get_the_feed(client, posts, headers):
    assert client.get("/feed/?page=x&format=%00", **headers).status_code == 200


def test_head_gets_the_headers_of_the_feed(client, posts):
    response = client.head("/feed/atom/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert response["ETag"]
