"""In the browser: an owner writes a welcome email in the desk, previews it, sees it in the
schedule with its results, and the automations pages pass axe at 1280 and 390 px. Screenshots
go to $MASTHEAD_SHOTS when it is set."""

import pytest
from playwright.sync_api import expect

from masthead.automations import services
from masthead.automations.models import AutomationEmail
from masthead.publications.models import Membership, Role
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    save_screenshot,
    sign_in,
)
from tests.factories import make_person, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, tmp_path, name: str, width: str) -> None:
    save_screenshot(page, tmp_path / f"automations-{name}-{WIDTHS[width][0]}.png")


def write_body(page, text: str) -> None:
    """Into the rich editor, which mounts on the body's textarea as on a post's; an email is
    not a post, so its toolbar has no paywall line."""
    rich = page.locator(".rich-editor__content")
    rich.click()
    expect(page.get_by_role("button", name="Bold")).to_be_visible()
    expect(page.get_by_role("button", name="Paywall line")).to_have_count(0)
    page.keyboard.type(text)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_writing_a_welcome_email_in_the_desk(browser, live_server, tmp_path, width):
    publication = make_publication(name="Field Notes", slug="field-notes")
    owner = make_person(name="Olive Owner")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    services.create_email(
        publication, kind="welcome", delay_days=0, subject="Welcome to Field Notes",
        body_markdown="Thanks for joining.",
    )  # fmt: skip
    services.create_email(
        publication, kind="win_back", delay_days=7, subject="We kept your seat",
        body_markdown="Come back.", is_active=False,
    )  # fmt: skip
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    sign_in(page, live_server, owner)
    base = f"{live_server.url}/desk/{publication.slug}/automations/"

    page.goto(base + "new/?kind=welcome")
    page.get_by_label("Subject line").fill("Our three best posts")
    page.get_by_label("Days after the event").fill("-2")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".form-error").first).to_contain_text("greater than or equal to 0")
    assert_accessible(page)
    shot(page, tmp_path, "form-error", width)

    page.get_by_label("Days after the event").fill("3")
    write_body(page, "Start with these.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".automation-preview__body")).to_contain_text("Start with these.")
    assert not AutomationEmail.objects.filter(subject="Our three best posts").exists()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message")).to_contain_text("saved")
    assert AutomationEmail.objects.get(subject="Our three best posts").delay_days == 3
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shot(page, tmp_path, "edit", width)

    page.goto(base)
    schedule = page.get_by_role("region", name="Welcome sequence schedule")
    expect(schedule.locator("li").nth(0)).to_contain_text(
        "Day 0 (right away): Welcome to Field Notes"
    )
    expect(schedule.locator("li").nth(1)).to_contain_text("Day 3: Our three best posts")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shot(page, tmp_path, "overview", width)
    context.close()
