"""The page cache's parts on their own: the in-process copies, the embedded version counters,
the command that marks pages changed."""

import time

import pytest
from django.core.management import CommandError, call_command

from masthead.pagecache import keys, versions
from masthead.pagecache.entries import Entry, LocalCopies
from masthead.pagecache.versions import MappedVersions
from tests import factories


def entry(body: bytes) -> Entry:
    return Entry(("site",), (1,), 200, (), body, "e", time.time(), False, keys.ANONYMOUS)


def test_in_process_copies_stay_within_their_bytes_dropping_the_least_recently_used():
    copies = LocalCopies(max_bytes=3 * (1000 + 512))
    for name in "abc":
        copies.put(name, entry(b"x" * 1000))
    copies.get("a")  # used: "b" is now the oldest
    copies.put("d", entry(b"x" * 1000))
    assert copies.get("b") is None
    assert all(copies.get(name) is not None for name in "acd")
    assert copies.bytes <= copies.max_bytes


def test_embedded_counters_are_shared_through_the_file(tmp_path):
    first, second = MappedVersions(tmp_path / "v"), MappedVersions(tmp_path / "v")
    before = second.get_many(["pub:1", "post:1:a"])
    first.bump(["pub:1"])
    after = second.get_many(["pub:1", "post:1:a"])
    assert after[0] != before[0] and after[1] == before[1]


@pytest.mark.django_db
def test_the_invalidate_command_marks_a_publications_pages(publication):
    factories.make_post(publication, "Hand edited")
    deps = keys.page_deps(publication.id, "hand-edited")
    before = versions.store().get_many(deps)
    call_command("invalidate", "--publication", publication.slug, "--post", "hand-edited")
    middle = versions.store().get_many(deps)
    assert middle[-1] != before[-1] and middle[1] == before[1]
    call_command("invalidate", "--publication", publication.slug)
    assert versions.store().get_many(deps)[1] != middle[1]
    with pytest.raises(CommandError, match="No publication"):
        call_command("invalidate", "--publication", "nope")


def test_a_counter_the_store_lost_never_brings_an_old_version_back(tmp_path):
    counters = MappedVersions(tmp_path / "v")
    first = counters.get_many(["pub:7"])
    counters.bump(["pub:7"])
    second = counters.get_many(["pub:7"])
    (tmp_path / "v").write_bytes(b"")  # the file lost, as after a restore without it
    third = MappedVersions(tmp_path / "v").get_many(["pub:7"])
    assert len({first, second, third}) == 3
    assert MappedVersions(tmp_path / "v").get_many(["pub:7"]) == third


def test_a_counter_redis_evicted_never_brings_an_old_version_back(settings):
    import os
    import uuid

    from masthead.pagecache import redis_client
    from masthead.pagecache.versions import RedisVersions
    from tests.conftest import require_service

    url = os.environ.get("MASTHEAD_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    require_service(bool(url), "no Redis: set MASTHEAD_TEST_REDIS_URL=redis://host:port/db")
    settings.REDIS_URL = url
    versions.reset_store()
    try:
        counters, dep = versions.store(), f"pub:evicted-{uuid.uuid4().hex}"
        first = counters.get_many([dep])
        counters.bump([dep])
        second = counters.get_many([dep])
        redis_client.get().delete(RedisVersions.PREFIX + dep)  # evicted, or Redis restarted empty
        third = counters.get_many([dep])
        assert len({first, second, third}) == 3
        assert counters.get_many([dep]) == third
    finally:
        versions.reset_store()
