"""The fast path in front of Django: a stored page for an anonymous reader, with no database."""

import threading

import pytest
from django.middleware.csrf import _unmask_cipher_token

from masthead.pagecache import invalidation, keys, lookup
from masthead.wsgi import application
from tests import factories
from tests.pagecache.test_page_cache import TOKEN
from tests.pagecache.wsgi_client import wsgi_get

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def post(publication):
    return factories.make_post(publication, "Fast post", body="Words for the storm.")


def test_a_hit_is_answered_without_the_database(post, django_assert_num_queries):
    assert wsgi_get(application, "/p/fast-post/").headers["x-page-cache"] == "miss"
    with django_assert_num_queries(0):
        response = wsgi_get(application, "/p/fast-post/")
    assert response.status == 200
    assert response.headers["x-page-cache"] == "hit"
    assert "Words for the storm." in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"]  # the headers Django's middleware added
    assert int(response.headers["content-length"]) == len(response.body)


def test_a_new_visitor_gets_a_csrf_cookie_and_a_token_made_from_it(post):
    wsgi_get(application, "/p/fast-post/")
    response = wsgi_get(application, "/p/fast-post/")
    (cookie,) = response.cookies
    secret = cookie.split(";")[0].split("=", 1)[1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    tokens = TOKEN.findall(response.text)
    assert tokens and all(_unmask_cipher_token(token) == secret for token in tokens)
    again = wsgi_get(application, "/p/fast-post/", headers={"Cookie": f"csrftoken={secret}"})
    assert again.cookies == []
    assert all(_unmask_cipher_token(token) == secret for token in TOKEN.findall(again.text))
    assert "__masthead_csrf" not in again.text


def test_a_signed_in_reader_goes_to_django(post, client, reader, django_assert_max_num_queries):
    wsgi_get(application, "/p/fast-post/")
    client.force_login(reader)
    session = client.cookies["sessionid"].value
    response = wsgi_get(application, "/p/fast-post/", headers={"Cookie": f"sessionid={session}"})
    assert response.status == 200
    assert "x-page-cache" not in response.headers  # rendered for them, not stored
    assert "Sign in" not in response.text.split("</header>")[0]


def test_head_and_conditional_requests(post, django_assert_num_queries):
    first = wsgi_get(application, "/feed/")
    with django_assert_num_queries(0):
        head = wsgi_get(application, "/feed/", method="HEAD")
        not_modified = wsgi_get(
            application, "/feed/", headers={"If-None-Match": first.headers["etag"]}
        )
    assert head.status == 200 and head.body == b"" and head.headers["etag"] == first.headers["etag"]
    assert not_modified.status == 304 and not_modified.body == b""


def test_a_stale_page_is_served_while_another_request_renders_it(post, publication):
    wsgi_get(application, "/p/fast-post/")
    invalidation.post_changed(publication.id, "fast-post")
    key = keys.page_key("http", "testserver", "/p/fast-post/", "", keys.ANONYMOUS)
    assert lookup.try_lock(key)  # another request is rendering it
    try:
        stale = wsgi_get(application, "/p/fast-post/")
        assert stale.headers["x-page-cache"] == "stale"
        assert "Words for the storm." in stale.text
    finally:
        lookup.release(key)
    assert wsgi_get(application, "/p/fast-post/").headers["x-page-cache"] == "miss"
    assert wsgi_get(application, "/p/fast-post/").headers["x-page-cache"] == "hit"


def test_many_readers_after_an_invalidation_cost_one_render(post, publication, settings, tmp_path):
    settings.PAGE_CACHE_RENDER_LOG = str(tmp_path / "renders.log")
    wsgi_get(application, "/p/fast-post/")
    invalidation.post_changed(publication.id, "fast-post")
    start = threading.Barrier(24)
    states = []

    def read():
        start.wait()
        response = wsgi_get(application, "/p/fast-post/")
        states.append((response.status, response.headers.get("x-page-cache")))

    threads = [threading.Thread(target=read) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    renders = (tmp_path / "renders.log").read_text().splitlines()
    assert len(renders) == 2  # the first visit, then one render for the invalidation
    assert [status for status, _ in states] == [200] * 24
    assert sum(state == "miss" for _, state in states) == 1
    assert {state for _, state in states} <= {"miss", "stale", "hit"}


def test_unknown_hosts_and_methods_go_to_django(post):
    wsgi_get(application, "/p/fast-post/")
    assert wsgi_get(application, "/p/fast-post/", host="evil.example").status == 400
    assert wsgi_get(application, "/p/fast-post/", method="POST").status in (403, 405)
