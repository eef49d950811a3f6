"""A new reader subscribes, confirms from the real SMTP sink, reads their account, and unsubscribes."""

import pytest

from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_subscribes_confirms_and_unsubscribes_in_one_click(
    page, live_server, settings, smtp_sink, run_worker
):
    settings.BASE_URL = live_server.url
    publication = make_publication(name="Field Notes")
    make_post(publication, "A first dispatch")

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Subscribe").first.click()
    page.get_by_placeholder("Type your email…").fill("reader@example.com")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_text("sent a confirmation link to reader@example.com").wait_for()

    run_worker()
    confirmation = smtp_sink.last_to("reader@example.com")
    confirm_url = next(url for url in confirmation.links() if "/subscribe/confirm/" in url)
    page.goto(confirm_url)
    page.get_by_role("heading", name="Confirm your subscription to Field Notes").wait_for()
    assert (
        Subscription.objects.get().status == SubscriptionStatus.PENDING
    )  # opening is not confirming
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="You're subscribed").wait_for()

    page.get_by_role("link", name="Your account").click()
    page.get_by_text("Signed in as reader@example.com").wait_for()
    assert page.locator(".subscription-row").inner_text().startswith("Field Notes · Subscribed")

    run_worker()
    welcome = smtp_sink.last_to("reader@example.com")
    assert welcome.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    page.goto(welcome.header("List-Unsubscribe").strip("<>"))
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You're unsubscribed").wait_for()

    assert Subscription.objects.get().status == SubscriptionStatus.UNSUBSCRIBED
    page.goto(f"{live_server.url}/account/")
    assert "Unsubscribed" in page.locator(".subscription-row").inner_text()
