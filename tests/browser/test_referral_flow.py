"""A reader shares their referral link; a friend subscribes through it; the Leaderboard counts it."""

import pytest

from masthead.referrals.models import Referral
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def subscribe_and_confirm(page, base_url, email, smtp_sink, run_worker):
    page.get_by_role("link", name="Subscribe").first.click()
    page.get_by_placeholder("Type your email…").fill(email)
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_text(f"sent a confirmation link to {email}").wait_for()
    run_worker()
    confirmation = smtp_sink.last_to(email)
    confirm_url = next(url for url in confirmation.links() if "/subscribe/confirm/" in url)
    page.goto(confirm_url)
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="You're subscribed").wait_for()


def test_a_friend_who_subscribes_through_a_referral_link_counts_on_the_leaderboard(
    page, browser, live_server, settings, smtp_sink, run_worker
):
    settings.BASE_URL = live_server.url
    publication = make_publication(name="Field Notes")
    make_post(publication, "A first dispatch")
    make_person(name="Rita Reader", email="rita@example.com")

    page.goto(f"{live_server.url}/")
    subscribe_and_confirm(page, live_server.url, "rita@example.com", smtp_sink, run_worker)
    page.get_by_role("link", name="Your account").click()
    link = page.get_by_label("Your referral link for Field Notes").input_value()
    assert link.startswith(f"{live_server.url}/?r=")

    friend_context = browser.new_context()
    friend = friend_context.new_page()
    friend.goto(link)
    subscribe_and_confirm(friend, live_server.url, "friend@example.com", smtp_sink, run_worker)
    friend_context.close()

    assert Referral.objects.get().subscription.person.email == "friend@example.com"
    page.get_by_role("link", name="Leaderboard").click()
    page.wait_for_url("**/leaderboard/")
    row = page.locator("tr.is-viewer")
    row.wait_for()
    assert row.locator("td").all_inner_texts() == ["1", "Rita Reader (you)", "1"]
    assert "You are #1 with 1 referral." in page.get_by_test_id("own-standing").inner_text()
