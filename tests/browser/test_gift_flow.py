"""A reader gives a year of a publication in Chromium, against localstripe and its Stripe.js
shim: the gift page with the card typed into the card field (the site's Content-Security-Policy
in force), the list of gifts given, the recipient's email, the redeem page, and the paid post
read past its paywall. The gift, redeem and group pages are axe-clean at a desktop and a phone
width, and saved as screenshots (copied into $MASTHEAD_SHOTS when set)."""

from urllib.parse import urlsplit

import pytest

from masthead.billing import groups
from masthead.billing.access import has_paid_access
from masthead.billing.gift_models import Gift
from tests.billing.conftest import card_of, payer, priced  # noqa: F401
from tests.browser.test_accessibility import (  # noqa: F401
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    axe_page,
    shoot,
    sign_in,
    width,
)
from tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUB = "/pub/daily-build"
FRIEND = "friend@example.com"
SECRET = "The numbers nobody has published yet."
BODY = f"The boats leave before the light.\n\n<!-- paywall -->\n\n{SECRET}"
CARD = {
    "number": "4242424242424242",
    "exp_month": "12",
    "exp_year": "34",
    "cvc": "123",
    "postal_code": "12345",
}


def check(page, shoot, name):  # noqa: F811
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, name)


def test_a_gift_is_bought_emailed_redeemed_and_read(
    axe_page,  # noqa: F811
    browser,
    live_server,
    width,  # noqa: F811
    shoot,  # noqa: F811
    priced,  # noqa: F811
    publication,
    payer,  # noqa: F811
    smtp_sink,
    run_worker,
):
    paid_post = make_post(publication, "At the harbour", audience="paid", body=BODY)
    problems: list[str] = []
    axe_page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(axe_page, live_server, payer)

    axe_page.goto(f"{live_server.url}{PUB}/gifts/")
    axe_page.get_by_placeholder("number", exact=True).wait_for()
    check(axe_page, shoot, "gift-buy")
    axe_page.get_by_label("Their email address").fill(FRIEND)
    axe_page.get_by_label("A message for them").fill("For the long winter evenings.")
    for placeholder, value in CARD.items():
        axe_page.get_by_placeholder(placeholder, exact=True).fill(value)
    axe_page.get_by_role("button", name="Pay 80.00 USD and send the gift").click()
    axe_page.wait_for_url("**/gifts/sent/")
    assert axe_page.locator(".gift-row__to", has_text=FRIEND).count() == 1
    check(axe_page, shoot, "gift-list")
    assert Gift.objects.get().buyer == payer

    run_worker()
    message = smtp_sink.last_to(FRIEND)
    link = next(link for link in message.links() if "/gifts/redeem/" in link)
    path = urlsplit(link).path
    if not path.startswith(PUB):  # the first publication answers at the install's root too
        path = PUB + path

    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    friend_page = context.new_page()
    friend_page.goto(f"{live_server.url}{path}")
    check(friend_page, shoot, "gift-redeem")
    friend_page.get_by_role("button", name="Redeem your gift").click()
    friend_page.wait_for_url(f"**{PUB}/")
    friend_page.goto(f"{live_server.url}{PUB}/p/{paid_post.slug}/")
    assert friend_page.get_by_text(SECRET).count() == 1
    context.close()

    assert Gift.objects.get().state == "redeemed"
    assert has_paid_access(Gift.objects.get().redeemed_by, publication.id)
    assert problems == []


def test_group_pages(
    axe_page,  # noqa: F811
    live_server,
    shoot,  # noqa: F811
    priced,  # noqa: F811
    publication,
    payer,  # noqa: F811
    card_of,  # noqa: F811
):
    sign_in(axe_page, live_server, payer)
    axe_page.goto(f"{live_server.url}{PUB}/groups/")
    axe_page.get_by_placeholder("number", exact=True).wait_for()
    check(axe_page, shoot, "group-buy")

    group = groups.buy_group(payer, publication, 5, card_of(payer))
    groups.add_member(group, "a.rather.long.address.for.a.phone@newsroom.example.com")
    axe_page.goto(f"{live_server.url}{PUB}/groups/{group.id}/")
    check(axe_page, shoot, "group-manage")

    seat = groups.add_member(group, "claimer@example.com")
    axe_page.context.clear_cookies()
    axe_page.goto(f"{live_server.url}{PUB}/groups/claim/{groups.seat_token(seat)}/")
    check(axe_page, shoot, "group-claim")
