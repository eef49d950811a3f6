"""In the browser: the desk's calendar and the notes composer with its schedule field pass axe
and never scroll sideways, as a month grid at 1280 px and as a list of days at 390 px.
Screenshots go to the folder $MASTHEAD_SHOTS names, when it is set."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from masthead.core.time_zones import zone_of
from masthead.notes import services as note_services
from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    save_screenshot,
    sign_in,
)
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "An unusually long title about municipal-budget-transparency-and-accountability"


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def phone_or_desktop(request, browser):
    width, height = WIDTHS[request.param]
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": height})
    yield context.new_page()
    context.close()


def shoot(page, name: str, tmp_path) -> None:
    save_screenshot(page, tmp_path / f"{name}-{page.viewport_size['width']}.png")


@pytest.fixture
def planned_month():
    """A publication with a month of posts, notes and emails planned; its writer."""
    publication = make_publication(name="Calendar Gazette", slug="calendar-gazette")
    publication.time_zone = "Europe/Paris"
    publication.save(update_fields=["time_zone"])
    writer = make_person(name="Cal Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.AUTHOR)
    now = timezone.now()
    today = now.astimezone(zone_of(publication)).date()
    # Days of this month other than today, in the past and the future where the month allows.
    for offset, title in ((1, "Weekly roundup"), (2, LONG_TITLE)):
        post = make_post(
            publication,
            title,
            status=PostStatus.SCHEDULED,
            published_at=now + dt.timedelta(days=offset, hours=1),
            author=writer,
        )
        post.email_requested = True
        post.save(update_fields=["email_requested"])
    make_post(publication, "Last week's letter", author=writer, published_at=now)
    note_services.post_note(
        writer,
        "A note going out tomorrow about the launch of the spring issue",
        publication=publication,
        scheduled_for=now + dt.timedelta(days=1, hours=2),
    )
    return publication, writer, today


def test_the_calendar_is_accessible_and_fits_the_screen(
    phone_or_desktop, live_server, planned_month, tmp_path
):
    page = phone_or_desktop
    publication, writer, today = planned_month
    sign_in(page, live_server, writer)
    url = live_server.url + reverse("desk:calendar", args=[publication.slug])

    page.goto(url)

    assert page.locator("table.calendar caption").inner_text().startswith(today.strftime("%B"))
    assert page.locator('td[aria-current="date"]').count() == 1
    assert page.get_by_text("Last week's letter").count() == 1
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, "desk-calendar", tmp_path)
    if page.viewport_size["width"] < 500:
        # A list of days: one cell a row, the days of other months left out.
        boxes = [box for box in page.locator("td.calendar-day").evaluate_all(
            "cells => cells.filter(c => c.offsetParent).map(c => c.getBoundingClientRect().width)"
        )]  # fmt: skip
        assert len(boxes) >= 28
        assert min(boxes) > 300

    page.goto(f"{url}?month=2027-13")
    assert page.get_by_role("alert").inner_text().startswith("Ask for a month like")
    assert_accessible(page)


def test_the_notes_composer_with_its_schedule_field_is_accessible(
    phone_or_desktop, live_server, planned_month, tmp_path
):
    page = phone_or_desktop
    publication, writer, _ = planned_month
    sign_in(page, live_server, writer)

    page.goto(f"{live_server.url}/pub/{publication.slug}/notes/")
    page.get_by_label("Note", exact=True).fill("Ahead of time")
    page.get_by_label("Schedule for").fill("2001-01-01T10:00")
    page.get_by_role("button", name="Post note").click()

    assert (
        page.get_by_role("alert")
        .first.inner_text()
        .endswith("has already passed. Pick a time in the future.")
    )
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, "notes-composer-schedule", tmp_path)
