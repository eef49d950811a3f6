"""The pages emailed links open (sign in, confirm a subscription, join a team), the refusal to
start a publication and the emails this change wrote or touched: axe-clean at a desktop and a phone width, and their one button works in a
real browser (its POST passes the CSRF check under the pages' referrer policy). Full-page
screenshots go to the folder $MASTHEAD_SHOTS names, when it is set, for a person to look at."""

import os
import shutil

import pytest
from django.urls import reverse

from masthead.accounts.models import SignInLink
from masthead.accounts.services import sign_in_token
from masthead.publications.models import Invitation, Membership, Role
from masthead.publications.services import invitation_token
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import confirmation_token
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    sign_in,
)
from tests.factories import make_person, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def axe_page(browser, width):
    """A page at the width under test, in a context that lets axe's injected script run."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shoot(tmp_path, width):
    def save(page, name: str) -> None:
        path = tmp_path / f"{name}-{WIDTHS[width][0]}.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=path, full_page=True)
        folder = os.environ.get("MASTHEAD_SHOTS")
        if folder:
            os.makedirs(folder, exist_ok=True)
            shutil.copy(path, folder)

    return save


@pytest.fixture
def publication(db):
    return make_publication(name="Field Notes", slug="field-notes")


def check(page, shoot, name: str) -> None:
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, name)


def test_sign_in_link_page(axe_page, live_server, publication, shoot):
    make_person(email="rita.reader@example.com")
    link = SignInLink.objects.create(email="rita.reader@example.com", publication=publication)

    axe_page.goto(live_server.url + reverse("accounts:sign_in_link", args=[sign_in_token(link)]))

    axe_page.get_by_role("heading", name="Sign in to Field Notes").wait_for()
    axe_page.get_by_text("r…\u2060@example.com").wait_for()
    check(axe_page, shoot, "link-sign-in")
    axe_page.get_by_role("button", name="Sign in").click()
    axe_page.get_by_text("Signed in as rita.reader@example.com").wait_for()


def test_confirmation_page_and_its_result(axe_page, live_server, publication, shoot):
    subscription = Subscription.objects.create(
        publication=publication, person=make_person(email="rita.reader@example.com")
    )
    url = reverse("subscriptions:confirm", args=[confirmation_token(subscription)])

    axe_page.goto(live_server.url + url)

    axe_page.get_by_role("heading", name="Confirm your subscription to Field Notes").wait_for()
    check(axe_page, shoot, "link-confirm")
    axe_page.get_by_role("button", name="Confirm my subscription").click()
    axe_page.get_by_role("heading", name="You're subscribed").wait_for()
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE
    check(axe_page, shoot, "link-confirmed")


def test_invitation_page_signed_out_then_as_the_invited_person(
    axe_page, live_server, publication, smtp_sink, shoot
):
    owner = make_person(name="Olive Owner", email="olive@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    invitation = Invitation.objects.create(
        publication=publication, email="wren.writer@example.com", role=Role.AUTHOR, invited_by=owner
    )
    url = live_server.url + reverse("desk:accept_invitation", args=[invitation_token(invitation)])

    axe_page.goto(url)
    axe_page.get_by_role("heading", name="Join Field Notes").wait_for()
    check(axe_page, shoot, "link-invitation-signed-out")
    axe_page.get_by_role("button", name="Email me a sign-in link").click()
    axe_page.get_by_role("heading", name="Check your inbox").wait_for()

    sign_in(axe_page, live_server, make_person(email="wren.writer@example.com"))
    axe_page.goto(url)
    check(axe_page, shoot, "link-invitation")
    axe_page.get_by_role("button", name="Accept the invitation").click()
    axe_page.get_by_text("Welcome to the team of Field Notes.").wait_for()
    assert Membership.objects.filter(person__email="wren.writer@example.com").exists()


def test_a_used_link_shows_the_error_page(axe_page, live_server, publication, shoot):
    link = SignInLink.objects.create(email="rita.reader@example.com", publication=publication)
    SignInLink.objects.filter(id=link.id).update(used_at=link.created_at)

    axe_page.goto(live_server.url + reverse("accounts:sign_in_link", args=[sign_in_token(link)]))

    axe_page.get_by_text("This link was already used.").wait_for()
    assert axe_page.get_by_role("button").count() == 0
    check(axe_page, shoot, "link-error")


def test_refusal_to_start_a_publication(axe_page, live_server, publication, shoot):
    sign_in(axe_page, live_server, make_person(email="rita.reader@example.com"))

    axe_page.goto(live_server.url + reverse("desk:publication_create"))

    axe_page.get_by_role("heading", name="You cannot start a publication here").wait_for()
    check(axe_page, shoot, "publication-create-refused")


def test_emails_as_received(
    axe_page, live_server, settings, publication, smtp_sink, run_worker, shoot
):
    """The already-subscribed notice, the invitation and the sign-in link, as the sink got them."""
    from django.test import Client

    from masthead.publications.services import invite
    from masthead.subscriptions.services import subscribe

    settings.BASE_URL = live_server.url
    owner = make_person(name="Olive Owner", email="olive@example.com")
    Subscription.objects.create(
        publication=publication,
        person=make_person(email="loyal@example.com"),
        status=SubscriptionStatus.ACTIVE,
    )
    subscribe(publication, "loyal@example.com", client="10.0.0.1")
    invite(publication, owner, "wren.writer@example.com", Role.AUTHOR)
    Client().post(reverse("accounts:sign_in"), {"email": "rita.reader@example.com"})
    run_worker()

    for name, address in [
        ("email-already-subscribed", "loyal@example.com"),
        ("email-invitation", "wren.writer@example.com"),
        ("email-sign-in", "rita.reader@example.com"),
    ]:
        axe_page.set_content(smtp_sink.last_to(address).html)
        assert_no_axe_violations(axe_page, is_email=True)
        assert_no_horizontal_scroll(axe_page)
        shoot(axe_page, name)
