"""axe-core finds no violation on the pages the delivery change touched (the sends page with its
outcomes and reasons, the editor's Gmail clipping notice, addresses refused at the door, the IDN
confirmation page), at a desktop and a phone width, and no field is described by a missing
element. Each page and the two emails are saved as full-page screenshots, copied into the folder
$MASTHEAD_SHOTS names when it is set, for a person to look at."""

import contextlib
import datetime as dt
import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from masthead.delivery.models import Delivery, DeliveryState
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
# About 120 KB of text, so the newsletter's HTML is over Gmail's 102 KB (as in tests/desk).
PARAGRAPH = "Le café du coin sert un crème parfait, dit la rédaction. " * 8
LONG_BODY = "\n\n".join(f"{PARAGRAPH} [Source {n}](https://example.org/{n})" for n in range(260))
# What mail servers answer, as a send's reasons show them; the last is longer than the table keeps.
REASONS = [
    (DeliveryState.BOUNCED, 3, "550 5.1.1 <r@example.com>: Recipient address rejected: no such user"),
    (DeliveryState.FAILED, 1, "552 5.2.2 Mailbox full"),
    (DeliveryState.FAILED, 1, "554 5.7.1 " + "Message refused by policy; see the postmaster pages. " * 8),
    (DeliveryState.QUEUED, 2, "451 4.7.1 Greylisted, try again later"),
]  # fmt: skip


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def axe_page(browser, live_server, width):
    """A page at the width under test, in a context that lets axe's injected script run
    (the site's Content-Security-Policy would refuse it)."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    yield page
    # Let what the page still loads (lazy images a full-page screenshot scrolled into view)
    # finish before the test's database is flushed: a request the live server is still serving
    # holds a SQLite table lock the flush would meet.
    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=5000)
    context.close()


@pytest.fixture
def shoot(tmp_path, width):
    """Saves a full-page screenshot of what the page shows, named after the page and the width."""

    def save(page, name: str) -> None:
        save_screenshot(page, tmp_path / f"{name}-{WIDTHS[width][0]}.png")

    return save


def save_screenshot(page, path) -> None:
    """A full-page screenshot at `path`, copied into the folder $MASTHEAD_SHOTS names, if any."""
    # From the top: a sticky bar scrolled along would cover what is under it in the shot.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True)
    folder = os.environ.get("MASTHEAD_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        shutil.copy(path, folder)


# Django points a field at "<id>_helptext" and, once invalid, "<id>_error"; a template that prints
# those without the ids leaves the field described by nothing, its error unannounced. axe only asks
# for a review of that ("aria-valid-attr-value", incomplete), so the test looks for them itself.
MISSING_REFERENCES = """() => [...document.querySelectorAll("[aria-describedby], [aria-labelledby]")]
  .flatMap((element) => ["aria-describedby", "aria-labelledby"].flatMap((name) =>
    (element.getAttribute(name) || "").split(/\\s+/).filter((id) => id && !document.getElementById(id))
      .map((id) => `#${element.id || element.tagName.toLowerCase()} ${name}="${id}"`)))"""


# An email is one message, not a site: axe's page-landmark best practices (a <main>, every part in
# a region) do not apply to it; every other rule does.
EMAIL_RULES_OFF = {"landmark-one-main": {"enabled": False}, "region": {"enabled": False}}


def assert_no_axe_violations(page, *, is_email: bool = False) -> None:
    options = {"resultTypes": ["violations"], **({"rules": EMAIL_RULES_OFF} if is_email else {})}
    results = Axe().run(page, options=options)
    assert results.violations_count == 0, results.generate_report()


def missing_references(page) -> list[str]:
    return page.evaluate(MISSING_REFERENCES)


def assert_accessible(page) -> None:
    assert_no_axe_violations(page)
    assert missing_references(page) == []


def assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def sign_in(page, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.fixture
def desk(db):
    """A publication, its owner, and a long post (its email over Gmail's limit)."""
    publication = make_publication(name="The Daily Build", slug="daily-build")
    owner = make_person(name="Olive Owner", email="olive@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    post = make_post(
        publication,
        "A very long field report",
        status=PostStatus.DRAFT,
        author=owner,
        body=LONG_BODY,
    )
    return publication, owner, post


def add_deliveries(send, state, count, *, last_error="", attempts=0, next_attempt_at=None):
    start = Delivery.objects.filter(send=send).count()
    Delivery.objects.bulk_create(
        Delivery(
            send=send,
            email=f"reader{start + n}@example.com",
            state=state,
            attempts=attempts,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
        )
        for n in range(count)
    )


def test_sends_page_with_outcomes_reasons_and_clipping(axe_page, live_server, desk, shoot):
    publication, owner, post = desk
    send = create_send(post)
    later = timezone.now() + dt.timedelta(minutes=15)
    add_deliveries(send, DeliveryState.SENT, 40)
    for state, count, reason in REASONS:
        retry_at = later if state == DeliveryState.QUEUED else None
        add_deliveries(send, state, count, last_error=reason, attempts=1, next_attempt_at=retry_at)
    add_deliveries(send, DeliveryState.QUEUED, 4)
    add_deliveries(send, DeliveryState.SENDING, 1)
    add_deliveries(send, DeliveryState.SUPPRESSED, 2)
    send.recipient_count = Delivery.objects.filter(send=send).count()
    send.save(update_fields=["recipient_count"])
    sign_in(axe_page, live_server, owner)

    axe_page.goto(live_server.url + reverse("delivery:desk_sends", args=[publication.slug]))

    axe_page.get_by_text("Gmail clips this email.").wait_for()
    axe_page.get_by_role("table", name="Most common reasons").wait_for()
    assert axe_page.locator('[data-field="retrying"]').inner_text() == "2"
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "sends")


def test_editor_of_a_long_post_shows_the_clipping_notice(axe_page, live_server, desk, shoot):
    publication, owner, post = desk
    sign_in(axe_page, live_server, owner)

    axe_page.goto(live_server.url + reverse("desk:post_edit", args=[publication.slug, post.id]))
    axe_page.get_by_role("button", name="Save draft").click()  # the notice after a save

    axe_page.locator("[data-clip-notice]").get_by_text("Gmail clips this email.").wait_for()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "editor")


def test_editor_showing_field_errors(axe_page, live_server, desk):
    publication, owner, post = desk
    sign_in(axe_page, live_server, owner)
    axe_page.goto(live_server.url + reverse("desk:post_edit", args=[publication.slug, post.id]))

    axe_page.get_by_label("Address", exact=True).fill("not a slug!")
    axe_page.get_by_role("button", name="Save draft").click()

    axe_page.get_by_text("Nothing was saved.").wait_for()
    assert axe_page.get_by_label("Address", exact=True).get_attribute("aria-invalid") == "true"
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)


def test_editor_live_preview_brings_the_clipping_notice(axe_page, live_server, desk, shoot):
    publication, owner, _ = desk
    sign_in(axe_page, live_server, owner)
    axe_page.goto(live_server.url + reverse("desk:post_new", args=[publication.slug]))
    axe_page.get_by_label("Title", exact=True).fill("Pasted in")
    notice = axe_page.locator("[data-clip-notice]").get_by_text("Gmail clips this email.")
    assert notice.count() == 0

    axe_page.get_by_label("Post", exact=True).fill(LONG_BODY)

    notice.wait_for()
    # The draft's autosave has come back: no request is left running when the test's database
    # is flushed (a flush meeting an autosave's locks deadlocks on PostgreSQL).
    axe_page.locator("[data-save-status]").get_by_text("Saved").wait_for()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "editor-live")


@pytest.mark.parametrize(
    ("path", "button", "email"),
    [
        ("/subscribe/", "Subscribe", "josé@example.com"),  # the sink offers no SMTPUTF8
        ("/sign-in/", "Email me a sign-in link", "a@b"),
    ],
    ids=["subscribe", "sign-in"],
)
def test_a_form_refusing_an_address_it_cannot_mail(
    axe_page, live_server, plain_sink, shoot, path, button, email
):
    make_publication(name="Field Notes")

    axe_page.goto(live_server.url + path)
    axe_page.get_by_placeholder("Type your email…").fill(email)
    axe_page.get_by_role("button", name=button).click()

    axe_page.locator("#email-error").wait_for()
    assert axe_page.get_by_label("Email address").get_attribute("aria-invalid") == "true"
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, path.strip("/") + "-error")


def test_team_invitation_refusing_an_address(axe_page, live_server, desk, plain_sink, shoot):
    publication, owner, _ = desk
    sign_in(axe_page, live_server, owner)

    axe_page.goto(live_server.url + reverse("desk:team", args=[publication.slug]))
    axe_page.locator("input[name=email]").fill("writer@-bad-.example")
    axe_page.get_by_role("button", name="Send invitation").click()

    axe_page.locator(".form-error").first.wait_for()
    assert_no_axe_violations(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "team-error")
    assert missing_references(axe_page) == []


def test_confirmation_page_for_an_idn_address(axe_page, live_server, plain_sink, shoot):
    make_publication(name="Field Notes")

    axe_page.goto(live_server.url + "/subscribe/")
    axe_page.get_by_placeholder("Type your email…").fill("reader@bücher.example")
    axe_page.get_by_role("button", name="Subscribe").click()

    axe_page.get_by_text("sent a confirmation link to reader@bücher.example").wait_for()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "subscribe-idn-done")


def test_emails_as_received(axe_page, live_server, settings, smtp_sink, run_worker, shoot):
    """The newsletter and the confirmation as the SMTP sink received them: axe-clean as documents
    (language, title, contrast), without sideways scrolling, saved to be seen."""
    settings.BASE_URL = live_server.url
    publication = make_publication(name="Field Notes")
    reader = make_person(email="rita@example.com")
    Subscription.objects.create(
        publication=publication,
        person=reader,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )
    body = "The light came **slowly**, then [all at once](https://example.org/).\n\n" * 4
    post = make_post(publication, "Sunrise over the harbour", status=PostStatus.DRAFT, body=body)
    create_send(post)
    Client().post(reverse("subscriptions:subscribe"), {"email": "new@example.com"})
    run_worker()

    newsletter = smtp_sink.last_to("rita@example.com")
    confirmation = smtp_sink.last_to("new@example.com")
    for name, message in [("email-newsletter", newsletter), ("email-confirmation", confirmation)]:
        axe_page.set_content(message.html)
        assert_no_axe_violations(axe_page, is_email=True)
        assert_no_horizontal_scroll(axe_page)
        shoot(axe_page, name)
