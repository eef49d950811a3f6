"""Chat in two browsers: a thread and a reply cross between the writer and a subscriber without
reloading, an outsider is refused, and a subscriber who loses the connection catches up and
sends what they wrote while it was down, once.

Pages come from pytest-django's live server (WSGI, as `masthead serve` serves them); the
sockets from daphne serving masthead.asgi on a port of its own, as `masthead chatserver` does
in the demo, so the page connects across origins with MASTHEAD_CHAT_PORT's setting. Daphne
runs in a thread of this process so that it shares the test database.
"""

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from masthead.chat import services
from masthead.chat.models import ChatMessage
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms for what should take "a blink"; generous for a loaded CI machine
SOCKETS = re.compile(r".*/ws/chat/.*")


@pytest.fixture(scope="session")
def chat_server():
    """The chat server's port: daphne serving masthead.asgi, in a thread, for the session
    (Twisted's reactor starts once per process)."""
    from daphne.server import Server  # installs Twisted's asyncio reactor
    from twisted.internet import reactor

    from masthead.asgi import application

    started = threading.Event()
    server = Server(
        application=application,
        endpoints=["tcp:port=0:interface=127.0.0.1"],
        signal_handlers=False,
        ready_callable=started.set,
    )
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    assert started.wait(10), "daphne did not start"
    for _ in range(100):
        if server.listening_addresses:
            break
        threading.Event().wait(0.05)
    assert server.listening_addresses, "daphne is not listening"
    yield server.listening_addresses[0][1]
    reactor.callFromThread(reactor.stop)
    thread.join(5)


@pytest.fixture
def site(live_server, chat_server, settings):
    """The address pages are read at; the pages point their sockets at the chat server."""
    settings.CHAT_SOCKET_PORT = chat_server
    # The sockets listen on 127.0.0.1: load the pages from the same host name.
    return live_server.url.replace("localhost", "127.0.0.1")


@pytest.fixture
def room(db):
    publication = make_publication(name="Field Notes", slug="field-notes")
    writer = make_person(name="Wendy Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    subscriber = make_person(name="Sam Subscriber")
    Subscription.objects.create(
        publication=publication, person=subscriber, status=SubscriptionStatus.ACTIVE
    )
    return publication, writer, subscriber


def off_the_event_loop(function, *args, **kwargs):
    """Call a service from a thread of its own: Playwright's loop runs in the test's thread, and
    a service broadcasts after commit with async_to_sync, which refuses to run beside a loop."""

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


@pytest.fixture
def browser_for(browser, site):
    """Makes separate browser sessions (cookies, storage), each signed in as a person; closes
    them after the test, so no page keeps talking to the live server after it."""
    contexts = []

    def make(person, **options):
        context = browser.new_context(**options)
        contexts.append(context)
        client = Client()
        client.force_login(person)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}]
        )
        return context

    yield make
    for context in contexts:
        context.close()
    wait_until_the_chat_server_is_quiet()


def wait_until_the_chat_server_is_quiet():
    """Closing the pages ends their sockets, and the chat server writes the leaves and the
    readers' last visits from its own thread. Let it finish, so that none of those writes
    races the flush of the test database after the test."""
    from masthead.chat import presence

    def is_quiet():
        trackers = list(presence._trackers.values())
        return all(not (t.rooms or t.joined or t.left or t.dirty) for t in trackers)

    for _ in range(200):
        if is_quiet():
            break
        threading.Event().wait(0.05)
    threading.Event().wait(0.3)  # the last flush's and last visit's commits


def open_chat(context, url):
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            # A failed load shows up below with its address, favicon.ico aside (there is none).
            and "Failed to load resource" not in message.text
            and problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and problems.append(f"{response.status} {response.url}")
        ),
    )
    page.goto(url)
    wait_until_live(page)
    page.evaluate("window.notReloaded = true")
    return page, problems


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def wait_until_live(page):
    page.locator('[data-connection][data-state="live"]').wait_for(state="attached", timeout=WAIT)


def test_a_thread_and_a_reply_cross_between_two_browsers_and_an_outsider_is_refused(
    browser_for, site, room
):
    publication, writer, subscriber = room
    writer_browser = browser_for(writer)
    subscriber_browser = browser_for(subscriber)
    writer_page, writer_problems = open_chat(writer_browser, f"{site}/chat/")
    subscriber_page, subscriber_problems = open_chat(subscriber_browser, f"{site}/chat/")
    expect(subscriber_page.locator(".site-nav a", has_text="Chat")).to_have_attribute(
        "aria-current", "page"
    )

    # The writer starts a thread with a photo; it appears in the subscriber's room by itself.
    writer_page.get_by_placeholder("Start a thread…").fill("What are you reading this week?")
    writer_page.locator("[data-image-input]").set_input_files(
        files=[{"name": "shelf.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    writer_page.locator('.chat-preview[data-state="done"]').wait_for(timeout=WAIT)
    writer_page.get_by_role("button", name="Post thread").click()
    arrived = subscriber_page.locator(".chat-thread", has_text="What are you reading this week?")
    arrived.wait_for(timeout=WAIT)
    thread = ChatMessage.objects.get(body="What are you reading this week?")
    assert thread.author == writer
    assert thread.images.count() == 1
    expect(arrived.locator(".chat-message__images img")).to_have_count(1)
    assert arrived.locator(".chat-message__images img").evaluate("img => img.naturalWidth") > 0
    assert subscriber_page.evaluate("window.notReloaded") is True
    # The writer's own page swapped its "Sending…" card for the stored thread.
    writer_page.locator(f"#message-{thread.id}").wait_for(timeout=WAIT)
    expect(writer_page.locator("[data-pending]")).to_have_count(0)

    # Both open the thread; the subscriber replies and the writer sees it without reloading.
    writer_page.locator(f'[data-thread-item="{thread.id}"] .chat-thread__link').click()
    writer_page.wait_for_url(f"**/chat/threads/{thread.id}/")
    wait_until_live(writer_page)
    writer_page.evaluate("window.notReloaded = true")
    arrived.locator(".chat-thread__link").click()
    subscriber_page.wait_for_url(f"**/chat/threads/{thread.id}/")
    wait_until_live(subscriber_page)
    # Both are here, and the writer sees the subscriber typing.
    expect(writer_page.locator("[data-presence]")).to_have_text("2 people here", timeout=WAIT)
    subscriber_page.get_by_placeholder("Write a reply…").fill("A novel about lighthouses.")
    expect(writer_page.locator("[data-typing]")).to_have_text(
        "Sam Subscriber is typing…", timeout=WAIT
    )
    subscriber_page.get_by_role("button", name="Reply").click()

    writer_reply = writer_page.locator(".chat-message--reply", has_text="lighthouses")
    writer_reply.wait_for(timeout=WAIT)
    assert writer_page.evaluate("window.notReloaded") is True
    expect(writer_reply.locator(".chat-message__author")).to_have_text("Sam Subscriber")
    expect(writer_page.locator("[data-typing]")).to_have_text("")  # the reply ends the typing
    expect(writer_page.locator("[data-reply-count]")).to_have_text("1")
    reply = ChatMessage.objects.get(thread=thread)
    assert (reply.author, reply.body) == (subscriber, "A novel about lighthouses.")

    # The writer reacts; the subscriber sees the count change in place.
    writer_reply.get_by_role("button", name="React").click()
    writer_reply.get_by_role("button", name="React with 👏").click()
    subscriber_page.locator(f"#message-{reply.id} .chat-reaction", has_text="👏").wait_for(
        timeout=WAIT
    )
    expect(writer_page.locator(f"#message-{reply.id} .chat-reaction")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Someone who is not a subscriber gets no history, and the socket turns them away.
    outsider_browser = browser_for(make_person(name="Olive"), bypass_csp=True)
    outsider_page = outsider_browser.new_page()
    response = outsider_page.goto(f"{site}/chat/")
    assert response.status == 403
    expect(outsider_page.locator(".chat-refused")).to_contain_text("Subscribe to join in")
    assert "lighthouses" not in outsider_page.content()
    assert "What are you reading" not in outsider_page.content()
    socket_url = f"ws://127.0.0.1:{django_settings.CHAT_SOCKET_PORT}/ws/chat/field-notes/"
    close_code = outsider_page.evaluate(
        """url => new Promise(resolve => {
            const socket = new WebSocket(url);
            socket.onclose = event => resolve(event.code);
        })""",
        socket_url,
    )
    assert close_code == 4403

    assert writer_problems == [] and subscriber_problems == []


class Cable:
    """Playwright's socket routing used as the network between one browser and the chat
    server: frames pass through untouched until the cable is pulled."""

    def __init__(self):
        self.is_pulled = False
        self.links = []

    def route(self, socket):
        if self.is_pulled:
            socket.close(code=1001, reason="offline")
            return
        self.links.append((socket, socket.connect_to_server()))

    def pull(self):
        self.is_pulled = True
        for socket, server in self.links:
            server.close(code=1001, reason="offline")
            socket.close(code=1001, reason="offline")
        self.links = []

    def plug_in(self):
        self.is_pulled = False


def test_after_losing_the_connection_the_subscriber_catches_up_and_sends_once(
    browser_for, site, room
):
    publication, writer, subscriber = room
    thread, _ = off_the_event_loop(
        services.post_thread,
        writer,
        publication,
        client_id="browser-test-thread",
        body="Ask me anything",
    )
    thread_url = f"{site}/chat/threads/{thread.id}/"
    writer_page, _ = open_chat(browser_for(writer), thread_url)
    subscriber_browser = browser_for(subscriber)
    cable = Cable()
    subscriber_browser.route_web_socket(SOCKETS, cable.route)
    subscriber_page, problems = open_chat(subscriber_browser, thread_url)

    cable.pull()
    subscriber_browser.set_offline(True)
    connection = subscriber_page.locator("[data-connection]")
    expect(connection).to_have_text(re.compile("Reconnecting|Offline"), timeout=WAIT)

    # While the subscriber is away, the writer replies...
    writer_page.get_by_placeholder("Write a reply…").fill("Posted while you were away")
    writer_page.get_by_role("button", name="Reply").click()
    writer_page.locator(".chat-message--reply:not([data-pending])").wait_for(timeout=WAIT)
    # ...and the subscriber writes a reply, which waits in the outbox.
    subscriber_page.get_by_placeholder("Write a reply…").fill("Typed while offline")
    subscriber_page.get_by_role("button", name="Reply").click()
    expect(subscriber_page.locator("[data-pending]")).to_contain_text("Typed while offline")
    assert not ChatMessage.objects.filter(author=subscriber).exists()

    cable.plug_in()
    subscriber_browser.set_offline(False)
    wait_until_live(subscriber_page)

    # Caught up: the writer's reply is there once, and the outbox went out once.
    away = subscriber_page.locator(".chat-message", has_text="Posted while you were away")
    away.wait_for(timeout=WAIT)
    mine = subscriber_page.locator(".chat-message[data-message-id]", has_text="Typed while offline")
    mine.wait_for(timeout=WAIT)
    expect(subscriber_page.locator("[data-pending]")).to_have_count(0, timeout=WAIT)
    writer_page.locator(".chat-message", has_text="Typed while offline").wait_for(timeout=WAIT)
    expect(away).to_have_count(1)
    expect(mine).to_have_count(1)
    expect(subscriber_page.locator("[data-reply-count]")).to_have_text("2")
    assert ChatMessage.objects.filter(author=subscriber, body="Typed while offline").count() == 1
    outbox = subscriber_page.evaluate(
        "key => JSON.parse(localStorage.getItem(key) || '[]')",
        subscriber_page.locator("[data-chat]").get_attribute("data-outbox-key"),
    )
    assert outbox == []
    assert subscriber_page.evaluate("window.notReloaded") is True

    # A reload does not send it again.
    subscriber_page.reload()
    wait_until_live(subscriber_page)
    expect(subscriber_page.locator(".chat-message", has_text="Typed while offline")).to_have_count(
        1
    )
    assert ChatMessage.objects.filter(author=subscriber).count() == 1
    assert [problem for problem in problems if "ERR_INTERNET_DISCONNECTED" not in problem] == []
