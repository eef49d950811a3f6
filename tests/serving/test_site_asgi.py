"""One ASGI application for the site: stored pages from the fast path, the rest from Django
under WSGI in a thread, chat sockets from Channels."""

import asyncio
import re

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from masthead.accounts.models import Person
from masthead.chat import presence
from masthead.pagecache import invalidation, keys, lookup
from masthead.site_asgi import application, path_info
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories
from tests.serving.asgi_client import http_scope, request

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture
def post(publication):
    return factories.make_post(publication, "Fast post", body="Words for the storm.")


def test_a_miss_is_rendered_by_django_and_the_next_request_is_a_hit(
    post, django_assert_num_queries
):
    first = request(application, "GET", "/p/fast-post/")
    assert first.status == 200
    assert first.headers["x-page-cache"] == "miss"
    with django_assert_num_queries(0):
        hit = request(application, "GET", "/p/fast-post/")
    assert hit.status == 200
    assert hit.headers["x-page-cache"] == "hit"
    assert "Words for the storm." in hit.text
    assert hit.headers["content-security-policy"]  # stored with the headers Django added
    assert int(hit.headers["content-length"]) == len(hit.body)


def test_a_stored_page_and_the_wsgi_fast_path_share_one_key(post):
    """A page Django stored under the ASGI app is the page the WSGI fast path finds."""
    from masthead.wsgi import application as wsgi_application
    from tests.pagecache.wsgi_client import wsgi_get

    request(application, "GET", "/p/fast-post/?")
    assert wsgi_get(wsgi_application, "/p/fast-post/").headers["x-page-cache"] == "hit"


def test_a_form_posted_with_its_token_reaches_django(post, publication):
    request(application, "GET", "/p/fast-post/")
    page = request(application, "GET", "/p/fast-post/")
    assert page.headers["x-page-cache"] == "hit"
    (cookie,) = page.cookies
    csrf_cookie = cookie.split(";")[0]
    token = TOKEN.search(page.text)[1]
    form = f"email=new.reader%40example.com&csrfmiddlewaretoken={token}".encode()
    response = request(
        application, "POST", "/subscribe/", body=form, body_parts=3,
        headers={"Cookie": csrf_cookie, "Content-Type": "application/x-www-form-urlencoded",
                 "Content-Length": str(len(form)), "Referer": "http://testserver/p/fast-post/"},
    )  # fmt: skip
    assert response.status in (200, 302)
    person = Person.objects.get(email="new.reader@example.com")
    assert Subscription.objects.filter(publication=publication, person=person).exists()


def test_a_form_posted_without_a_token_is_refused(post):
    form = b"email=someone%40example.com"
    response = request(
        application, "POST", "/subscribe/", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Content-Length": str(len(form))},
    )  # fmt: skip
    assert response.status == 403
    assert not Person.objects.filter(email="someone@example.com").exists()


@pytest.fixture
def big_upload(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = bytes(range(256)) * 3000  # 768,000 bytes
    (tmp_path / "big.bin").write_bytes(content)
    return content


def test_a_file_is_streamed_in_several_chunks(publication, big_upload):
    response = request(application, "GET", "/media/big.bin")
    assert response.status == 200
    assert response.body == big_upload
    assert int(response.headers["content-length"]) == len(big_upload)
    assert response.body_messages >= 3


def test_a_reader_who_leaves_mid_file_stops_the_response(publication, big_upload):
    async def scenario():
        received = []

        async def receive():
            if not received:
                received.append(1)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)

        async def send(message):
            if message["type"] == "http.response.body" and message.get("body"):
                raise OSError("the client closed the connection")

        scope = http_scope("GET", "/media/big.bin")
        await asyncio.wait_for(application(scope, receive, send), timeout=10)

    asyncio.run(scenario())  # returns rather than leaving a thread blocked on a dead socket


def test_head_has_the_headers_and_no_body(post):
    rendered = request(application, "HEAD", "/p/fast-post/")
    assert rendered.status == 200 and rendered.body == b""
    assert rendered.headers["x-page-cache"] == "miss"
    stored = request(application, "HEAD", "/p/fast-post/")
    assert stored.status == 200 and stored.body == b""
    assert stored.headers["x-page-cache"] == "hit"
    full = request(application, "GET", "/p/fast-post/")
    assert int(stored.headers["content-length"]) == len(full.body)


def test_an_unchanged_page_is_answered_304(post):
    request(application, "GET", "/feed/")
    first = request(application, "GET", "/feed/")
    again = request(application, "GET", "/feed/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.body == b""


def test_a_stale_page_is_served_while_another_request_renders_it(post, publication):
    request(application, "GET", "/p/fast-post/")
    invalidation.post_changed(publication.id, "fast-post")
    key = keys.page_key("http", "testserver", "/p/fast-post/", "", keys.ANONYMOUS)
    assert lookup.try_lock(key)  # another request is rendering it
    try:
        stale = request(application, "GET", "/p/fast-post/")
        assert stale.headers["x-page-cache"] == "stale"
        assert "Words for the storm." in stale.text
    finally:
        lookup.release(key)
    assert request(application, "GET", "/p/fast-post/").headers["x-page-cache"] == "miss"
    assert lookup.try_lock(key)  # the renderer gave its lock back
    lookup.release(key)


def test_a_signed_in_reader_goes_to_django(post, reader):
    request(application, "GET", "/p/fast-post/")
    client = Client()
    client.force_login(reader)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = request(
        application, "GET", "/p/fast-post/",
        headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
    )  # fmt: skip
    assert response.status == 200
    assert "x-page-cache" not in response.headers
    assert "Sign in" not in response.text.split("</header>")[0]


def test_path_info_is_the_percent_decoded_bytes_as_latin_1():
    scope = {"path": "/p/café/", "raw_path": b"/p/caf%C3%A9/", "root_path": ""}
    assert path_info(scope) == "/p/caf\u00c3\u00a9/"
    assert path_info({"path": "/p/x/", "raw_path": b"/p/%FF/"}) == "/p/\u00ff/"


def test_a_chat_socket_is_handed_to_the_chat_application(publication, fresh_channel_layer):
    subscriber = factories.make_person(name="Sam Subscriber")
    Subscription.objects.create(
        publication=publication, person=subscriber, status=SubscriptionStatus.ACTIVE
    )
    client = Client()
    client.force_login(subscriber)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario():
        socket = WebsocketCommunicator(
            application,
            f"/ws/chat/{publication.slug}/",
            headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
        )
        connected, _ = await socket.connect(timeout=5)
        assert connected
        while (frame := await socket.receive_json_from(timeout=5))["type"] != "welcome":
            pass
        assert frame["person_id"] == subscriber.pk
        await socket.disconnect()
        await presence.stop_tracker()

    async_to_sync(scenario)()


def test_lifespan_starts_and_stops():
    async def scenario():
        messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent = []

        async def receive():
            return messages.pop(0)

        async def send(message):
            sent.append(message["type"])

        await application({"type": "lifespan"}, receive, send)
        return sent

    assert asyncio.run(scenario()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_a_body_above_the_limit_is_refused_before_django(publication, monkeypatch):
    monkeypatch.setattr("masthead.site_asgi.MAX_BODY_BYTES", 1000)
    response = request(application, "POST", "/subscribe/", body=b"x" * 3000, body_parts=3)
    assert response.status == 413
