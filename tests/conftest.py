"""Shared fixtures; services the suite needs are required in CI and skipped, with a reason, elsewhere."""

import os
import shutil
import threading

import pytest
from django.core.management import call_command

from tests import factories
from tests.mail import SMTPSink, running_sink

IS_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    """Browser tests run last: Playwright keeps an event loop running in the main thread for
    the rest of the session, and async_to_sync (chat broadcasts, socket tests) refuses to run
    in a thread that has one."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


def require_service(is_available: bool, reason: str) -> None:
    """Skip on a developer's machine when a service is missing; fail in CI, where it must exist."""
    if is_available:
        return
    if IS_CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def no_stray_connections_at_teardown(django_db_setup, django_db_blocker):
    """Live servers, socket servers and worker threads leave connections open; on PostgreSQL
    they would stop the test database from being dropped at the end of the session."""
    yield
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate-limit counters live in the cache when it is Redis; each test starts with none. In the
    # database (the embedded mode) they go with the test's transaction, or with the flush that
    # ends a transactional or live-server test, so no test sees another's counts.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def empty_page_cache(settings, tmp_path):
    # Stored pages outlive a test's database: each test has a page store and version counters
    # of its own (on Redis the cache's clear() above has emptied them already).
    from masthead.pagecache import entries, health, versions

    settings.PAGE_CACHE_DIR = tmp_path / "pagecache"
    entries.reset_stores()
    versions.reset_store()
    health.reset()
    yield
    entries.reset_stores()
    versions.reset_store()


class _RequestsInFlight:
    """The live server's WSGI application, counting the requests it has not finished yet (a
    response is finished when the server closes it, as Django's request_finished is sent)."""

    def __init__(self, application):
        self.application = application
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            response = self.application(environ, start_response)
        except BaseException:
            self._finished()
            raise
        return _ClosingResponse(response, self._finished)

    def _finished(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_until_idle(self, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.count <= 0, timeout=timeout)


class _ClosingResponse:
    def __init__(self, response, finished):
        self.response = response
        self.finished = finished

    def __iter__(self):
        return iter(self.response)

    def close(self):
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            self.finished()


@pytest.fixture(autouse=True)
def live_server_idle_at_teardown(request):
    """A test that used the live server ends only when the requests its browser left in
    flight (a favicon, a late fetch) are answered: on SQLite the server's threads share the
    test's in-memory database, and the flush that ends a transactional test fails with
    "database table is locked" while one of them still reads it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    httpd = request.getfixturevalue("live_server").thread.httpd
    if not isinstance(httpd.application, _RequestsInFlight):
        httpd.set_app(_RequestsInFlight(httpd.application))
    yield
    httpd.application.wait_until_idle(timeout=30)


@pytest.fixture(autouse=True)
def no_page_views_waiting():
    # Page views wait in the process until flush() (no background writer in tests, see
    # pyproject's env): each test starts and ends with none, so none reaches another's database.
    from masthead.stats import collect

    collect.discard_waiting()
    yield
    collect.discard_waiting()


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # Tests do not run collectstatic, so serve static files without the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def fresh_channel_layer():
    """An empty channel layer object of this test's own, dropped after it.

    A test's sockets run in an event loop of their own, and channels_redis keeps per-loop
    state on its layer object that a cancelled receive can leave behind (a lock bound to a
    loop that has ended). A server process runs one loop for its life; a test suite does not.
    """
    from asgiref.sync import async_to_sync
    from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers, get_channel_layer

    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    async_to_sync(get_channel_layer().flush)()
    yield get_channel_layer()
    async_to_sync(get_channel_layer().flush)()
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


@pytest.fixture
def publication(db):
    return factories.make_publication(name="The Daily Build", slug="daily-build")


@pytest.fixture
def reader(db):
    return factories.make_person(name="Rita Reader")


@pytest.fixture
def published_post(publication):
    return factories.make_post(publication, "A published post", body="Hello **world**.")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_service(shutil.which(CHROMIUM) is not None, f"Chromium is not installed at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ],
    }  # fmt: skip


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback; all mail the app sends during the test lands here."""
    with running_sink(settings, SMTPSink()) as sink:
        yield sink


@pytest.fixture
def plain_sink(settings):
    """An SMTP server that does not offer SMTPUTF8."""
    with running_sink(settings, SMTPSink(smtputf8=False)) as sink:
        yield sink


@pytest.fixture
def smtputf8_sink(settings):
    """An SMTP server that offers SMTPUTF8."""
    with running_sink(settings, SMTPSink(smtputf8=True)) as sink:
        yield sink


@pytest.fixture
def run_worker(db, monkeypatch):
    """Run the real database task worker until no task is ready, as `masthead worker` would."""
    # The worker closes stale connections between tasks; inside a test's transaction that would
    # close the test's own connection (PostgreSQL), so keep it open.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    return run


@pytest.fixture(scope="session")
def localstripe_base():
    """The session's localstripe (see tests/stripe_standin.py); stripe_on asks for its URL."""
    from tests import stripe_standin

    require_service(stripe_standin.is_installed(), "localstripe is not installed")
    with stripe_standin.running_localstripe() as server:
        yield server


@pytest.fixture
def stripe_on(settings, localstripe_base):
    """Paid subscriptions configured against an empty localstripe."""
    from tests import stripe_standin

    base = localstripe_base.ensure_running()
    stripe_standin.flush(base)
    settings.STRIPE_SECRET_KEY = stripe_standin.SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = stripe_standin.PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_standin.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = base
    return base
