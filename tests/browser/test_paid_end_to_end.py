"""Paid subscriptions end to end, in Chromium against localstripe with its signed webhooks posted
to the live server: a free subscriber upgrades by card, Stripe's event arrives, the reader reads
past the paywall, enters the paid-only chat and gets a paid post's newsletter whole (a free
subscriber gets the preview), cancels, keeps reading until the period's end, and at the end sees
the preview and the chat's refusal again.

The period's end is played as Stripe plays it: Stripe ends the subscription and posts
customer.subscription.deleted, signed, to the webhook (localstripe does both when the
subscription is deleted), so access ends through the path that ends it in production. Not with
time-machine: it would move the live server's clock a month on but not localstripe's (whose
subscription would stay active) nor Chromium's, and it would only exercise billing.access's rule
for an event that comes late, which tests/billing/test_checkout.py already covers.
"""

import http.server
import json
import threading
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from masthead.billing import checkout
from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription, StripeEvent
from masthead.chat import services as chat_services
from masthead.chat.models import ChatReaders, ChatSettings
from masthead.chat.rules import PAID_READERS
from masthead.core.templatetags.masthead import short_date
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import stripe_standin
from tests.billing.conftest import card_of, payer, priced  # noqa: F401
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    save_screenshot,
    sign_in,
)
from tests.browser.test_chat_flow import off_the_event_loop
from tests.browser.test_paid_reader_flow import fill_card
from tests.factories import make_person, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUB = "/pub/daily-build"
OPENING = "The boats leave before the light, one after another."
SECRET = "The numbers nobody has published yet."
NEWSLETTER_SECRET = "The catch was twice what the harbour master wrote down."
WEBHOOK_ID = "masthead-end-to-end"
THREAD = "Paid readers, ask me about the harbour here."

# localstripe sends these two about subscriptions (a change such as cancel_at_period_end sends
# nothing; the app mirrors Stripe's answer to its own request at once).
SUBSCRIPTION_EVENTS = ["customer.subscription.created", "customer.subscription.deleted"]
WAIT_SECONDS = 30
# Longer than any test step: a held event goes on only when released (or at teardown).
HOLD_SECONDS = 240


def paid_body(secret: str) -> str:
    return f"{OPENING}\n\n<!-- paywall -->\n\n{secret}"


class WebhookGate:
    """Stripe's events, let through to the live server one at a time when the test says so.

    The tests' database is SQLite in memory, which the live server's request threads share on
    one connection: a webhook handled while the browser loads a page (or while the test reads
    the database) fails with "cannot open savepoint". localstripe posts each event to its
    registered endpoints in the order they were registered, awaiting each answer, so three are
    registered: this gate, which holds the event until released; the live server; and this
    gate's "done" path, reached only once the live server has answered."""

    def __init__(self):
        self.changed = threading.Condition()
        self.held: list[tuple[str, threading.Event]] = []
        self.done: list[str] = []
        self.is_open = False
        gate = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                event_type = json.loads(body)["type"]
                if self.path == "/done":
                    with gate.changed:
                        gate.done.append(event_type)
                        gate.changed.notify_all()
                else:
                    release = threading.Event()
                    with gate.changed:
                        gate.held.append((event_type, release))
                        gate.changed.notify_all()
                        if gate.is_open:
                            release.set()
                    release.wait(HOLD_SECONDS)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _wait(self, predicate, what: str):
        with self.changed:
            if not self.changed.wait_for(predicate, timeout=WAIT_SECONDS):
                raise AssertionError(f"Timed out waiting for {what}")

    def deliver(self, event_type: str) -> None:
        """Wait for the event, then let it (and any other held one of its type) through to the
        live server, one at a time, each until the live server has answered."""
        self._wait(lambda: any(held == event_type for held, _ in self.held), event_type)
        while True:
            with self.changed:
                waiting = [pair for pair in self.held if pair[0] == event_type]
                if not waiting:
                    return
                pair = waiting[0]
                self.held.remove(pair)
                delivered = self.done.count(event_type)
            pair[1].set()
            self._wait(
                lambda delivered=delivered: self.done.count(event_type) > delivered,
                f"{event_type} handled by the live server",
            )

    def open(self) -> None:
        with self.changed:
            self.is_open = True
            for _, release in self.held:
                release.set()
            self.held.clear()
        self.server.shutdown()


def register_webhook(base: str, webhook_id: str, url: str, events: list[str]) -> None:
    body = {"url": url, "secret": django_settings.STRIPE_WEBHOOK_SECRET, "events": events}
    request = urllib.request.Request(
        f"{base}/_config/webhooks/{webhook_id}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


@pytest.fixture
def webhooks(stripe_on, live_server):
    """localstripe's webhook pointed at the live server, behind a WebhookGate. Registered
    webhooks outlive the flush that stripe_on does (it clears the store only), so they are
    registered after it, and afterwards listen to no event, so that later tests' changes are
    not posted to a server that is gone."""
    gate = WebhookGate()
    endpoints = [
        (f"{WEBHOOK_ID}-gate", f"{gate.url}/gate"),
        (WEBHOOK_ID, f"{live_server.url}/billing/stripe/webhook/"),
        (f"{WEBHOOK_ID}-done", f"{gate.url}/done"),
    ]
    for webhook_id, url in endpoints:
        register_webhook(stripe_on, webhook_id, url, SUBSCRIPTION_EVENTS)
    yield gate
    for webhook_id, url in endpoints:
        register_webhook(stripe_on, webhook_id, url, [])
    gate.open()


def end_subscription_as_stripe_does_at_period_end(base: str, subscription_id: str) -> None:
    """What Stripe's clock does at the end of a period set to cancel: the subscription becomes
    canceled and customer.subscription.deleted is sent (localstripe does both on DELETE)."""
    request = urllib.request.Request(
        f"{base}/v1/subscriptions/{subscription_id}",
        headers={"Authorization": f"Bearer {stripe_standin.SECRET_KEY}"},
        method="DELETE",
    )
    urllib.request.urlopen(request, timeout=10).read()


@pytest.fixture
def writer(publication):
    person = make_person(name="Wendy Writer", email="wendy@example.com")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


def subscribe_free(publication, person):
    return Subscription.objects.create(
        publication=publication,
        person=person,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )


@pytest.fixture
def paid_only_chat(publication, writer):
    ChatSettings.objects.update_or_create(
        publication=publication, defaults={"readers": ChatReaders.PAID}
    )
    off_the_event_loop(
        chat_services.post_thread, writer, publication, client_id="end-to-end-1", body=THREAD
    )


def newsletter_to(smtp_sink, address: str, title: str):
    messages = [message for message in smtp_sink.to(address) if title in message.subject]
    assert len(messages) == 1, [message.subject for message in smtp_sink.to(address)]
    return messages[0]


def assert_reads_whole(page, live_server, post) -> None:
    page.goto(f"{live_server.url}{PUB}/p/{post.slug}/")
    page.get_by_text(SECRET).wait_for()


def assert_reads_preview_only(page, live_server, post) -> None:
    page.goto(f"{live_server.url}{PUB}/p/{post.slug}/")
    page.get_by_text(OPENING).wait_for()
    assert page.get_by_text(SECRET).count() == 0
    assert SECRET not in page.content()


def assert_in_chat_room(page, live_server) -> None:
    page.goto(f"{live_server.url}{PUB}/chat/")
    page.get_by_text(THREAD).wait_for()
    assert page.get_by_text(PAID_READERS).count() == 0


def assert_chat_refused(page, live_server) -> None:
    page.goto(f"{live_server.url}{PUB}/chat/")
    page.get_by_text(PAID_READERS).wait_for()
    assert page.get_by_text(THREAD).count() == 0


def test_a_reader_pays_reads_chats_gets_the_paid_email_and_keeps_it_all_until_the_period_ends(
    page,
    live_server,
    stripe_on,
    webhooks,
    priced,  # noqa: F811
    payer,  # noqa: F811
    publication,
    writer,
    paid_only_chat,
    smtp_sink,
    run_worker,
):
    subscribe_free(publication, payer)
    free_reader = make_person(name="Frank Free", email="frank@example.com")
    subscribe_free(publication, free_reader)
    post = make_post(publication, "At the harbour", audience="paid", body=paid_body(SECRET))
    sign_in(page, live_server, payer)
    assert_reads_preview_only(page, live_server, post)
    assert_chat_refused(page, live_server)

    # Upgrade by card, typed into localstripe's Stripe.js card field.
    page.goto(f"{live_server.url}{PUB}/subscribe/")
    page.get_by_role("link", name="Choose Monthly").click()
    page.get_by_role("heading", name="Monthly").wait_for()
    fill_card(page)
    page.get_by_role("button", name="Pay $8").click()
    page.wait_for_url(f"**{PUB}/account/billing/")
    page.get_by_text("you are on the Monthly plan").wait_for()
    # Stripe's own word that the subscription exists reaches the webhook, signed.
    webhooks.deliver("customer.subscription.created")
    assert StripeEvent.objects.filter(type="customer.subscription.created").exists()
    paid = PaidSubscription.objects.get(subscription__person=payer)
    assert paid.status == "active"

    assert_reads_whole(page, live_server, post)
    assert_in_chat_room(page, live_server)

    # The writer sends a paid post: whole to the paying reader, the preview to the free one.
    letter = make_post(
        publication,
        "Counting the catch",
        status=PostStatus.DRAFT,
        audience="paid",
        body=paid_body(NEWSLETTER_SECRET),
    )
    publish_post(letter, send_email=True)
    run_worker()
    whole = newsletter_to(smtp_sink, payer.email, letter.title)
    assert NEWSLETTER_SECRET in whole.text and NEWSLETTER_SECRET in whole.html
    preview = newsletter_to(smtp_sink, free_reader.email, letter.title)
    assert OPENING in preview.text
    assert NEWSLETTER_SECRET not in preview.text and NEWSLETTER_SECRET not in preview.html

    # Cancelling keeps access until the end of the period paid for.
    end = timezone.localtime(paid.current_period_end)
    page.goto(f"{live_server.url}{PUB}/account/billing/")
    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_role("button", name="Yes, cancel my subscription").click()
    page.get_by_text(f"Cancelled: access until {short_date(end)}").wait_for()
    paid.refresh_from_db()
    assert paid.cancel_at_period_end is True
    assert paid.current_period_end > timezone.now()
    assert_reads_whole(page, live_server, post)
    assert_in_chat_room(page, live_server)

    # The period ends: Stripe ends the subscription and says so, signed, to the webhook.
    end_subscription_as_stripe_does_at_period_end(stripe_on, paid.stripe_subscription_id)
    webhooks.deliver("customer.subscription.deleted")
    paid.refresh_from_db()
    assert paid.status == "canceled"
    assert StripeEvent.objects.filter(type="customer.subscription.deleted").exists()
    assert_reads_preview_only(page, live_server, post)
    assert_chat_refused(page, live_server)


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def axe_page(browser, live_server, width):
    """A page at the width under test; axe's injected script needs the CSP bypassed."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    yield context.new_page()
    context.close()


def test_the_desk_list_of_paid_subscribers_is_accessible_at_every_width(
    axe_page,
    live_server,
    width,
    tmp_path,
    priced,  # noqa: F811
    payer,  # noqa: F811
    publication,
    writer,
    card_of,  # noqa: F811
):
    subscribe_free(publication, payer)
    paid = checkout.subscribe(payer, priced[0], card_of(payer))
    checkout.set_cancel_at_period_end(paid, True)
    comped = subscribe_free(publication, make_person(name="Carla Comp", email="carla@example.com"))
    AccessGrant.objects.create(publication=publication, person=comped.person, kind=GrantKind.COMP)
    subscribe_free(publication, make_person(name="Frank Free", email="frank@example.com"))
    page = axe_page
    sign_in(page, live_server, writer)

    page.goto(f"{live_server.url}/desk/{publication.slug}/subscribers/")
    page.get_by_label("Paid", exact=True).wait_for()
    assert page.get_by_text("cancelling until").count() == 1
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    save_screenshot(page, tmp_path / f"desk-paid-subscribers-{WIDTHS[width][0]}.png")
