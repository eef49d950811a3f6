"""A cache that does not answer: pages are rendered and writes succeed, never an error."""

import pytest

from masthead.pagecache import entries, health, versions
from masthead.posts.services import PostContent, update_post
from masthead.wsgi import application
from tests import factories
from tests.pagecache.wsgi_client import wsgi_get

pytestmark = pytest.mark.django_db(transaction=True)  # the WSGI handler closes connections


@pytest.fixture
def unreachable_redis(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    entries.reset_stores()
    versions.reset_store()
    yield
    entries.reset_stores()
    versions.reset_store()
    health.reset()


def test_pages_render_and_writes_succeed_while_the_cache_is_down(
    client, publication, unreachable_redis
):
    post = factories.make_post(publication, "Down post", body="Still here.")
    response = client.get("/p/down-post/")
    assert response.status_code == 200 and "Still here." in response.text
    assert "X-Page-Cache" not in response
    assert not health.is_up()  # and for a few seconds the cache is not even asked
    update_post(post, PostContent(title="Down post", body_markdown="Changed while down."))
    assert "Changed while down." in client.get("/p/down-post/").text
    fast = wsgi_get(application, "/p/down-post/")
    assert fast.status == 200 and "Changed while down." in fast.text


def test_a_store_that_cannot_be_written_still_serves_the_page(client, publication, monkeypatch):
    factories.make_post(publication, "Full disk", body="Words.")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    entries.reset_stores()
    monkeypatch.setattr(type(entries.shared()), "put", disk_full)  # files, or Redis out of memory
    response = client.get("/p/full-disk/")
    assert response.status_code == 200 and "Words." in response.text
    health.reset()
