"""A free subscriber becomes a paying one in Chromium, against localstripe and its Stripe.js shim:
plans, checkout with the card typed into the card field (the site's Content-Security-Policy in
force), the account page, the paid post read past its paywall, and cancelling. The plans,
checkout and account pages are axe-clean at a desktop and a phone width, and saved as
screenshots (copied into $MASTHEAD_SHOTS when set)."""

import pytest
from django.utils import timezone

from masthead.billing import checkout
from masthead.core.templatetags.masthead import short_date
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.billing.conftest import card_of, payer, priced  # noqa: F401
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    save_screenshot,
    sign_in,
)
from tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUB = "/pub/daily-build"
SECRET = "The numbers nobody has published yet."
BODY = f"The boats leave before the light, one after another.\n\n<!-- paywall -->\n\n{SECRET}"
CARD = {
    "number": "4242424242424242",
    "exp_month": "12",
    "exp_year": "34",
    "cvc": "123",
    "postal_code": "12345",
}


@pytest.fixture
def free_subscriber(publication, payer):  # noqa: F811
    Subscription.objects.create(
        publication=publication,
        person=payer,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )
    return payer


@pytest.fixture
def paid_post(publication):
    return make_post(publication, "At the harbour", audience="paid", body=BODY)


def fill_card(page) -> None:
    for placeholder, value in CARD.items():
        page.get_by_placeholder(placeholder, exact=True).fill(value)


def test_a_free_subscriber_pays_reads_the_paid_post_and_cancels(
    page,
    live_server,
    priced,  # noqa: F811
    free_subscriber,
    paid_post,
):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content-Security-Policy" in message.text else None
        ),
    )
    sign_in(page, live_server, free_subscriber)

    page.goto(f"{live_server.url}{PUB}/p/{paid_post.slug}/")
    assert page.get_by_text(SECRET).count() == 0

    page.goto(f"{live_server.url}{PUB}/subscribe/")
    page.get_by_role("link", name="Choose Monthly").click()
    page.get_by_role("heading", name="Monthly").wait_for()
    fill_card(page)
    page.get_by_role("button", name="Pay $8").click()

    page.wait_for_url(f"**{PUB}/account/billing/")
    page.get_by_text("you are on the Monthly plan").wait_for()
    paid = checkout.paying_subscription(free_subscriber, priced[0].publication_id)
    end = timezone.localtime(paid.current_period_end)
    assert page.get_by_text(f"{short_date(end)} · $8").is_visible()

    page.goto(f"{live_server.url}{PUB}/p/{paid_post.slug}/")
    page.get_by_text(SECRET).wait_for()

    page.goto(f"{live_server.url}{PUB}/account/billing/")
    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_role("button", name="Yes, cancel my subscription").click()
    page.get_by_text(f"Cancelled: access until {short_date(end)}").wait_for()
    assert problems == []


def test_a_declined_card_shows_the_reason_and_the_form_stays_usable(
    page,
    live_server,
    priced,  # noqa: F811
    free_subscriber,
):
    sign_in(page, live_server, free_subscriber)
    page.goto(f"{live_server.url}{PUB}/subscribe/{priced[0].pk}/checkout/")
    fill_card(page)
    page.get_by_placeholder("number", exact=True).fill("4000000000000341")
    page.get_by_role("button", name="Pay $8").click()

    page.get_by_role("alert").filter(has_text="declined").wait_for()
    assert page.get_by_placeholder("number", exact=True).is_editable()
    assert page.get_by_role("button", name="Pay $8").is_enabled()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def axe_page(browser, live_server, width):
    """A page at the width under test; axe's injected script needs the CSP bypassed."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shoot(tmp_path, width):
    def save(page, name: str) -> None:
        save_screenshot(page, tmp_path / f"{name}-{WIDTHS[width][0]}.png")

    return save


def test_the_paid_pages_are_accessible_at_every_width(
    axe_page,
    live_server,
    shoot,
    priced,  # noqa: F811
    free_subscriber,
    card_of,  # noqa: F811
):
    page = axe_page
    sign_in(page, live_server, free_subscriber)

    page.goto(f"{live_server.url}{PUB}/subscribe/")
    page.get_by_role("heading", name="Patron").wait_for()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, "billing-plans")

    page.goto(f"{live_server.url}{PUB}/subscribe/{priced[1].pk}/checkout/")
    page.get_by_placeholder("number", exact=True).wait_for()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, "billing-checkout")

    checkout.subscribe(free_subscriber, priced[2], card_of(free_subscriber))
    page.goto(f"{live_server.url}{PUB}/account/billing/")
    page.get_by_role("heading", name="Receipts").wait_for()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, "billing-account")


def test_without_javascript_checkout_says_so_and_shows_no_broken_form(
    browser,
    live_server,
    priced,  # noqa: F811
    free_subscriber,
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, free_subscriber)

    page.goto(f"{live_server.url}{PUB}/subscribe/{priced[0].pk}/checkout/")

    # Chromium with scripts turned off by Playwright still parses <noscript> as if they ran, so
    # the note is checked in the page's source; that nothing half-working shows, on screen.
    assert "Paying by card needs JavaScript" in page.locator("noscript").inner_html()
    assert not page.get_by_role("button", name="Pay $8").is_visible()
    context.close()
