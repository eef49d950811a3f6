"""Offers and free trials in Chromium: the desk's Offers page (an offer created with the form,
one open with an end date, one ended) and the plans page opened by an offer's link with a free
trial on. Each is axe-clean at a desktop and a phone width, does not scroll sideways, and is
saved as a screenshot (copied into $MASTHEAD_SHOTS when set)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from masthead.billing import offers
from masthead.billing.offer_models import Offer
from masthead.publications.models import Membership, Role
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


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def axe_page(browser, live_server, width):
    """A page at the width under test; axe's injected script needs the CSP bypassed."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == []


@pytest.fixture
def shoot(tmp_path, width):
    def save(page, name: str) -> None:
        save_screenshot(page, tmp_path / f"{name}-{WIDTHS[width][0]}.png")

    return save


@pytest.fixture
def owner(publication):
    person = make_person(name="Olive Owner", email="olive@example.com")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def some_offers(publication, priced):  # noqa: F811
    offers.create_offer(
        publication,
        "launch-week",
        offers.OfferTerms(
            percent_off=25,
            duration="repeating",
            duration_in_months=3,
            ends_at=timezone.now() + dt.timedelta(days=20),
        ),
    )
    ended = offers.create_offer(publication, "summer", offers.OfferTerms(amount_off=200))
    offers.end_offer(ended)


def test_creating_an_offer_on_the_offers_page(
    axe_page, live_server, publication, owner, some_offers, shoot
):
    sign_in(axe_page, live_server, owner)
    axe_page.goto(live_server.url + reverse("desk:billing:desk_offers", args=[publication.slug]))

    axe_page.get_by_label("Code", exact=True).fill("readers-2027")
    axe_page.get_by_label("Percentage off", exact=True).fill("50")
    axe_page.get_by_label("As long as they stay subscribed").check()
    axe_page.get_by_role("button", name="Create offer").click()

    assert axe_page.get_by_text("Offer readers-2027 created.").is_visible()
    assert Offer.objects.get(code="readers-2027").duration == "forever"
    assert axe_page.get_by_role("link", name="/subscribe/?offer=readers-2027").is_visible()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "billing-desk-offers")


def test_the_plans_page_opened_by_an_offer_link(
    axe_page, live_server, publication, some_offers, shoot
):
    offers.set_trial_days(publication, 14)

    axe_page.goto(f"{live_server.url}/pub/{publication.slug}/subscribe/?offer=launch-week")

    assert axe_page.get_by_text("14-day free trial").is_visible()
    assert axe_page.get_by_text("25% off for the first 3 months, then $8 a month").is_visible()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "billing-plans-offer")


def test_the_plans_page_with_an_ended_offer(axe_page, live_server, publication, some_offers):
    axe_page.goto(f"{live_server.url}/pub/{publication.slug}/subscribe/?offer=summer")

    assert axe_page.get_by_text("That offer is no longer available").is_visible()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
