"""The page cache through Django: one render per change, a copy per audience, forms that work."""

import re

import pytest
from django.test import Client

from masthead.pagecache import invalidation
from masthead.posts.services import PostContent, update_post
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture
def post(publication):
    return factories.make_post(publication, "The storm post", body="Calm words for everyone.")


def test_a_page_is_rendered_once_then_served_from_the_cache(
    client, post, django_assert_num_queries
):
    first = client.get("/p/the-storm-post/")
    assert first["X-Page-Cache"] == "miss"
    second = client.get("/p/the-storm-post/")
    assert second["X-Page-Cache"] == "hit"
    assert "Calm words for everyone." in second.text
    # Served without rendering: finding the publication (by host, then the primary one) is all the database is asked.
    with django_assert_num_queries(2):
        assert client.get("/p/the-storm-post/")["X-Page-Cache"] == "hit"


def test_an_edit_shows_at_once(client, post):
    client.get("/p/the-storm-post/")
    update_post(post, PostContent(title="The storm post", body_markdown="Words written again."))
    response = client.get("/p/the-storm-post/")
    assert response["X-Page-Cache"] == "miss"
    assert "Words written again." in response.text
    assert "Calm words" not in response.text


def test_each_reader_gets_a_form_token_that_works_for_them(post):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get("/p/the-storm-post/")
    page = second.get("/p/the-storm-post/")
    assert page["X-Page-Cache"] == "hit"
    token = TOKEN.search(page.text)[1]
    assert "__masthead_csrf" not in page.text
    response = second.post(
        "/subscribe/", {"email": "new.reader@example.com", "csrfmiddlewaretoken": token}
    )
    assert response.status_code in (200, 302)
    # The first reader's token is not the second's.
    assert TOKEN.search(first.get("/p/the-storm-post/").text)[1] != token


def test_a_signed_in_readers_own_page_is_never_stored(client, post, reader):
    client.force_login(reader)
    response = client.get("/p/the-storm-post/")
    assert "X-Page-Cache" not in response
    assert client.get("/p/the-storm-post/").get("X-Page-Cache") is None


def test_signed_in_audiences_share_the_archive_but_not_with_visitors(publication, post, reader):
    visitor = Client()
    visitor.get("/archive/")
    assert visitor.get("/archive/")["X-Page-Cache"] == "hit"
    signed_in = Client()
    signed_in.force_login(reader)
    response = signed_in.get("/archive/")
    assert response["X-Page-Cache"] == "miss"  # not the visitor's copy
    assert "Account" in response.text and "Sign in" not in response.text
    other = Client()
    other.force_login(factories.make_person())
    assert other.get("/archive/")["X-Page-Cache"] == "hit"  # same audience: a reader
    assert "Sign in" in visitor.get("/archive/").text


def test_a_page_with_unknown_parameters_is_rendered_not_stored(client, post):
    client.get("/p/the-storm-post/?utm_source=mail")
    assert "X-Page-Cache" not in client.get("/p/the-storm-post/?utm_source=mail")
    client.get("/archive/?sort=top")
    assert client.get("/archive/?sort=top")["X-Page-Cache"] == "hit"


def test_a_page_with_a_message_for_the_reader_is_neither_served_from_nor_stored_in_the_cache(
    client, post, rf
):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    client.get("/p/the-storm-post/")  # stored
    note = Message(constants.SUCCESS, "You are unsubscribed from The Daily Build.")
    client.cookies["messages"] = CookieStorage(rf.get("/"))._encode([note])
    response = client.get("/p/the-storm-post/")
    assert "You are unsubscribed from The Daily Build." in response.text
    assert "X-Page-Cache" not in response
    # The message was the reader's alone: the next visitor's copy has none of it.
    assert "unsubscribed" not in Client().get("/p/the-storm-post/").text


def test_etag_and_last_modified_answer_304(client, post):
    page = client.get("/archive/")
    assert page["ETag"] and page["Last-Modified"]
    again = client.get("/archive/", headers={"If-None-Match": page["ETag"]})
    assert again.status_code == 304
    since = client.get("/archive/", headers={"If-Modified-Since": page["Last-Modified"]})
    assert since.status_code == 304
    invalidation.publication_changed(post.publication_id)
    changed = client.get("/archive/", headers={"If-None-Match": page["ETag"]})
    assert changed.status_code == 200


def test_a_cdn_may_keep_anonymous_pages_without_forms_only(client, post, reader):
    feed = client.get("/feed/")
    assert "s-maxage=" in feed["Cache-Control"] and "public" in feed["Cache-Control"]
    post_page = client.get("/p/the-storm-post/")
    assert "private" in post_page["Cache-Control"]  # its forms carry the reader's own token
    client.force_login(reader)
    assert "private" in client.get("/archive/")["Cache-Control"]


def test_invalidation_in_a_rolled_back_transaction_costs_only_a_render(client, post):
    from django.db import transaction

    client.get("/")
    with pytest.raises(RuntimeError), transaction.atomic():
        update_post(post, PostContent(title="Never saved", body_markdown="x"))
        raise RuntimeError
    response = client.get("/")
    assert "Never saved" not in response.text
    assert "The storm post" in response.text
