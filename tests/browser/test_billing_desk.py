"""The desk's paid subscriptions in Chromium: the prices page with several plans (one retired
but still paid), the comps page (a comp given and ended with the buttons), and the revenue page
with a year of figures drawn as SVG charts. Each is axe-clean at a desktop and a phone width,
does not scroll sideways, and is saved as a screenshot (copied into $MASTHEAD_SHOTS when set)."""

import contextlib
import datetime as dt
import itertools

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from masthead.billing import comps
from masthead.billing.models import AccessGrant, PaidSubscription, Plan
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.billing.conftest import priced  # noqa: F401
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    save_screenshot,
    sign_in,
)
from tests.factories import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# New paid subscribers in each of the last 12 months (oldest first), and who of them stop later.
NEW_PER_MONTH = [3, 4, 4, 6, 5, 7, 8, 7, 9, 11, 10, 6]
INTERVALS = ["month", "month", "year", "month", "founding", "year", "month"]
_numbers = itertools.count(1)


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def axe_page(browser, live_server, width):
    """A page at the width under test; axe's injected script needs the CSP bypassed. The pages
    need no script of their own, so none may fail either."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    # Let what the page still loads (lazy images a full-page screenshot scrolled into view)
    # finish before the test's database is flushed: a request the live server is still serving
    # holds a SQLite table lock the flush would meet.
    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=5000)
    context.close()
    assert problems == []


@pytest.fixture
def shoot(tmp_path, width):
    """Saves a full-page screenshot named after the page and the width (billing-desk-revenue-1280.png)."""

    def save(page, name: str) -> None:
        save_screenshot(page, tmp_path / f"{name}-{WIDTHS[width][0]}.png")

    return save


@pytest.fixture
def owner(publication):
    person = make_person(name="Olive Owner", email="olive@example.com")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


def add_paid(plan, started_at, *, ended_at=None):
    number = next(_numbers)
    subscription = Subscription.objects.create(
        publication=plan.publication,
        person=make_person(email=f"payer{number}@example.com"),
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=started_at,
    )
    PaidSubscription.objects.create(
        subscription=subscription,
        plan=plan,
        stripe_subscription_id=f"sub_shot_{number}",
        status="canceled" if ended_at else "active",
        started_at=started_at,
        ended_at=ended_at,
    )


@pytest.fixture
def a_year_of_subscribers(publication, priced):  # noqa: F811
    """Plans as a writer who changed the monthly price once leaves them, and a year of paid
    subscribers joining and some leaving."""
    by_interval = {plan.interval: plan for plan in priced}
    retired = Plan.objects.create(
        publication=publication,
        interval="month",
        name="Monthly",
        amount=600,
        currency="usd",
        stripe_plan_id="plan_shot_retired",
        is_active=False,
        created_at=timezone.now() - dt.timedelta(days=400),
    )
    now = timezone.now()
    first = now.replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    for months_ago, count in zip(range(11, -1, -1), NEW_PER_MONTH, strict=True):
        start = first - relativedelta(months=months_ago)
        for index in range(count):
            started_at = min(start + dt.timedelta(days=2 * index + 1), now - dt.timedelta(hours=1))
            interval = INTERVALS[(months_ago + index) % len(INTERVALS)]
            plan = retired if months_ago > 8 and interval == "month" else by_interval[interval]
            # About one in six stops paying three months on.
            ended_at = (
                started_at + relativedelta(months=3) if (index + months_ago) % 6 == 5 else None
            )
            add_paid(plan, started_at, ended_at=ended_at if ended_at and ended_at < now else None)


@pytest.fixture
def some_comps(publication, owner):
    comps.grant_comp(
        publication, "guest@example.com", months=6, note="Podcast guest", granted_by=owner
    )
    comps.grant_comp(
        publication,
        "Redaction@Bücher.example",
        months=None,
        note="Our copy editor",
        granted_by=owner,
    )
    ended = comps.grant_comp(publication, "former@example.com", months=12, granted_by=owner)
    comps.end_grant(ended)


def visit(page, live_server, name: str, slug: str) -> None:
    page.goto(live_server.url + reverse(f"desk:billing:{name}", args=[slug]))


def test_prices_page_with_several_plans(
    axe_page,
    live_server,
    publication,
    owner,
    a_year_of_subscribers,
    shoot,
):
    sign_in(axe_page, live_server, owner)

    visit(axe_page, live_server, "desk_plans", publication.slug)

    assert axe_page.get_by_role("heading", name="Paid subscriptions").is_visible()
    assert axe_page.get_by_label("Yearly price").input_value() == "80.00"
    assert axe_page.get_by_label("Name of the founding member plan").input_value() == "Patron"
    assert axe_page.get_by_text("Retired: kept for those who pay it").is_visible()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "billing-desk-plans")


def test_prices_page_refusing_a_price(axe_page, live_server, publication, owner, priced, shoot):  # noqa: F811
    sign_in(axe_page, live_server, owner)
    visit(axe_page, live_server, "desk_plans", publication.slug)

    axe_page.get_by_label("Monthly price").fill("8,50")
    axe_page.get_by_role("button", name="Save prices").click()

    assert axe_page.get_by_text("Write cents after a point: 8.50, not 8,50.").is_visible()
    assert Plan.objects.get(publication=publication, interval="month", is_active=True).amount == 800
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "billing-desk-plans-error")


def test_prices_page_without_stripe(axe_page, live_server, publication, owner, settings, shoot):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    sign_in(axe_page, live_server, owner)

    visit(axe_page, live_server, "desk_plans", publication.slug)

    assert axe_page.get_by_text("MASTHEAD_STRIPE_SECRET_KEY").first.is_visible()
    assert axe_page.locator("form[method=post]").count() == 0
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "billing-desk-plans-unconfigured")


def test_giving_and_ending_a_comp(axe_page, live_server, publication, owner, some_comps, shoot):
    sign_in(axe_page, live_server, owner)
    visit(axe_page, live_server, "desk_comps", publication.slug)

    axe_page.get_by_label("Email address").fill("  New.Reader@Example.com ")
    axe_page.get_by_label("For how many months").fill("3")
    axe_page.get_by_label("Note (optional)").fill("Won the raffle")
    axe_page.get_by_role("button", name="Give access").click()

    assert axe_page.get_by_text(
        "new.reader@example.com now has complimentary paid access."
    ).is_visible()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "billing-desk-comps")

    axe_page.get_by_role("button", name="End the comp of guest@example.com now").click()

    assert axe_page.get_by_text("Complimentary access of guest@example.com ended.").is_visible()
    grant = AccessGrant.objects.get(person__email="guest@example.com")
    assert grant.ends_at <= timezone.now()


def test_revenue_page_with_a_year_of_figures(
    axe_page,
    live_server,
    publication,
    owner,
    a_year_of_subscribers,
    some_comps,
    shoot,
):
    sign_in(axe_page, live_server, owner)

    visit(axe_page, live_server, "desk_revenue", publication.slug)

    charts = axe_page.get_by_role("img")
    assert charts.count() == 2
    assert axe_page.locator("svg rect").count() >= 12 * 3
    assert axe_page.get_by_role("row").count() == 13  # a header and 12 months
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "billing-desk-revenue")
