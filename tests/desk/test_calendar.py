"""The desk's calendar: what lands on which day, in the publication's time zone, and for whom."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from masthead.automations import queries as automation_queries
from masthead.desk.calendar import BAD_MONTH, build_month
from masthead.notes import services as note_services
from masthead.posts.models import PostStatus
from masthead.publications.models import Role
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)
UTC = dt.UTC


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def no_note_rate(monkeypatch):
    """Tests that make many notes through the service are not one person typing fast."""
    monkeypatch.setattr(note_services, "NOTE_RATE", (10**6, 600))


@pytest.fixture
def in_zone(publication):
    def set_zone(name: str):
        publication.time_zone = name
        publication.save(update_fields=["time_zone"])
        return publication

    return set_zone


def calendar_url(publication, month: str | None = None) -> str:
    url = reverse("desk:calendar", args=[publication.slug])
    return f"{url}?month={month}" if month is not None else url


def scheduled_post(publication, title: str, when: dt.datetime, *, email_requested=False):
    post = make_post(publication, title, status=PostStatus.SCHEDULED, published_at=when)
    if email_requested:
        post.email_requested = True
        post.save(update_fields=["email_requested"])
    return post


def titles_by_day(month) -> dict[dt.date, list[str]]:
    """Posts and notes by day (the automations' digests are on by default: left out here)."""
    days = {
        day.date: [entry.title for entry in day.entries if entry.css_kind != "automation"]
        for week in month.weeks
        for day in week
    }
    return {day: titles for day, titles in days.items() if titles}


def schedule_note(author, publication, body: str, when: dt.datetime):
    return note_services.post_note(author, body, publication=publication, scheduled_for=when)


# Where entries land


def test_an_entry_lands_on_its_day_in_the_publications_time_zone(in_zone):
    publication = in_zone("America/Los_Angeles")
    # 03:00 UTC on 2 December is 19:00 on 1 December in Los Angeles.
    scheduled_post(publication, "Evening post", dt.datetime(2026, 12, 2, 3, tzinfo=UTC))

    month = build_month(publication, dt.date(2026, 12, 1))

    assert titles_by_day(month) == {dt.date(2026, 12, 1): ["Evening post"]}
    assert month.zone_name == "America/Los_Angeles"


def test_days_and_month_bounds_follow_daylight_saving_time(in_zone):
    publication = in_zone("Europe/Paris")
    # Paris moves to summer time on 28 March 2027: 22:30 UTC is then 00:30 the next day.
    scheduled_post(publication, "After the change", dt.datetime(2027, 3, 28, 22, 30, tzinfo=UTC))
    scheduled_post(publication, "Before the change", dt.datetime(2027, 3, 27, 22, 30, tzinfo=UTC))
    # 23:30 UTC on 28 February is already 1 March in Paris (winter time); 22:30 UTC on 31
    # March is already 1 April (summer time).
    scheduled_post(publication, "First of March", dt.datetime(2027, 2, 28, 23, 30, tzinfo=UTC))
    scheduled_post(publication, "First of April", dt.datetime(2027, 3, 31, 22, 30, tzinfo=UTC))

    march = build_month(publication, dt.date(2027, 3, 1))
    april = build_month(publication, dt.date(2027, 4, 1))

    assert titles_by_day(march) == {
        dt.date(2027, 3, 1): ["First of March"],
        dt.date(2027, 3, 27): ["Before the change"],
        dt.date(2027, 3, 29): ["After the change"],
    }
    assert titles_by_day(april) == {dt.date(2027, 4, 1): ["First of April"]}


def test_the_page_shows_times_in_the_publications_zone(author_client, in_zone):
    publication = in_zone("Asia/Tokyo")
    scheduled_post(publication, "Morning in Tokyo", dt.datetime(2026, 12, 3, 0, 15, tzinfo=UTC))

    response = author_client.get(calendar_url(publication, "2026-12"))

    assert response.status_code == 200
    assert "09:15" in response.text
    assert "Times in Asia/Tokyo." in response.text


# What is on it


def test_scheduled_and_published_posts_are_told_apart_and_email_is_marked(
    author_client, publication
):
    scheduled = scheduled_post(
        publication, "Going out", dt.datetime(2026, 12, 10, 9, tzinfo=UTC), email_requested=True
    )
    published = make_post(
        publication, "Went out", published_at=dt.datetime(2026, 11, 5, tzinfo=UTC)
    )
    make_post(publication, "Only a draft", status=PostStatus.DRAFT)
    make_post(
        make_publication(), "Someone else's", published_at=dt.datetime(2026, 12, 2, tzinfo=UTC)
    )

    december = build_month(publication, dt.date(2026, 12, 1))
    november = author_client.get(calendar_url(publication, "2026-11"))
    page = author_client.get(calendar_url(publication, "2026-12"))

    [entry] = [
        entry
        for week in december.weeks
        for day in week
        for entry in day.entries
        if entry.css_kind == "post"
    ]
    assert (entry.title, entry.kind_label, entry.is_done, entry.is_emailed) == (
        "Going out", "Scheduled post", False, True
    )  # fmt: skip
    assert entry.url == reverse("desk:post_edit", args=[publication.slug, scheduled.id])
    assert "Only a draft" not in page.text and "Someone else" not in page.text
    assert 'class="calendar-badge">Email' in page.text
    assert "calendar-entry--post calendar-entry--done" in november.text
    assert "Went out" in november.text
    assert reverse("desk:post_edit", args=[publication.slug, published.id]) in november.text


def test_scheduled_notes_are_on_the_calendar_and_published_ones_are_not(
    author_client, publication, author
):
    note = schedule_note(
        author, publication, "A note for later", dt.datetime(2026, 12, 4, 8, tzinfo=UTC)
    )
    note_services.post_note(author, "Out already", publication=publication)
    gone = schedule_note(author, publication, "Deleted", dt.datetime(2026, 12, 5, 8, tzinfo=UTC))
    note_services.delete_note(gone, author)

    response = author_client.get(calendar_url(publication, "2026-12"))

    assert "A note for later" in response.text
    assert "Out already" not in response.text and "Deleted" not in response.text
    note_page = f"/pub/{publication.slug}" + reverse("notes:detail", args=[note.id])
    assert note_page in response.text
    assert author_client.get(note_page).status_code == 200  # staff may look before it is out


def test_automation_emails_and_digests_are_on_the_calendar(author_client, publication, monkeypatch):
    entry = automation_queries.CalendarEntry(
        when=dt.datetime(2026, 12, 7, 10, tzinfo=UTC),
        title="Welcome, day 3",
        kind_label="Welcome sequence",
        url="/desk/somewhere/",
    )
    asked = []

    def scheduled_between(publication_, start, end):
        asked.append((publication_, start, end))
        return [entry]

    monkeypatch.setattr(automation_queries, "scheduled_between", scheduled_between)

    response = author_client.get(calendar_url(publication, "2026-12"))

    assert "Welcome sequence:</span> Welcome, day 3" in response.text
    assert 'href="/desk/somewhere/"' in response.text
    zone = zoneinfo.ZoneInfo(publication.time_zone)
    assert asked == [
        (
            publication,
            dt.datetime(2026, 12, 1, tzinfo=zone),
            dt.datetime(2027, 1, 1, tzinfo=zone),
        )
    ]


# The page


def test_today_is_marked_and_the_months_around_are_linked(author_client, publication):
    response = author_client.get(calendar_url(publication))

    assert response.status_code == 200
    assert "<caption>November 2026" in response.text
    assert response.text.count('aria-current="date"') == 1
    assert '<time datetime="2026-11-29">' in response.text.split('aria-current="date"')[1][:200]
    assert 'href="?month=2026-10"' in response.text and 'href="?month=2026-12"' in response.text


def test_january_links_to_the_december_before(author_client, publication):
    response = author_client.get(calendar_url(publication, "2027-01"))

    assert 'href="?month=2026-12"' in response.text and 'href="?month=2027-02"' in response.text
    assert 'href="?month=2026-11"' in response.text  # back to this month
    assert 'aria-current="date"' not in response.text


def test_each_day_links_to_a_new_post_on_that_day(author_client, publication):
    response = author_client.get(calendar_url(publication, "2026-12"))

    new_post = reverse("desk:post_new", args=[publication.slug])
    assert f'href="{new_post}?publish_at=2026-12-24T09:00"' in response.text
    assert response.text.count(f'href="{new_post}?publish_at=') == 31


def test_a_days_new_post_proposes_that_moment_until_it_can_be_scheduled(author_client, publication):
    """The day's link fills in "Publish at" (in the publication's time zone); without
    JavaScript the saved draft's page still proposes it, where scheduling is possible."""
    in_paris = publication
    in_paris.time_zone = "Europe/Paris"
    in_paris.save(update_fields=["time_zone"])
    new_post = reverse("desk:post_new", args=[publication.slug])

    page = author_client.get(f"{new_post}?publish_at=2026-12-24T09:00")
    assert 'value="2026-12-24T09:00"' in page.text
    assert f'action="{new_post}?publish_at=2026-12-24T09%3A00"' in page.text

    saved = author_client.post(
        f"{new_post}?publish_at=2026-12-24T09:00",
        {"title": "Christmas Eve", "body_markdown": "Soon.", "audience": "everyone",
         "action": "save"},
    )  # fmt: skip
    assert saved.status_code == 302
    assert saved.url.endswith("?publish_at=2026-12-24T09%3A00")
    edit = author_client.get(saved.url)
    assert 'value="2026-12-24T09:00"' in edit.text


@pytest.mark.parametrize("value", ["2026-11-01T09:00", "yesterday", "2026-13-40T99:99", "9" * 500])
def test_a_past_or_broken_proposed_moment_proposes_nothing(author_client, publication, value):
    new_post = reverse("desk:post_new", args=[publication.slug])

    page = author_client.get(new_post, {"publish_at": value})

    assert page.status_code == 200
    assert 'name="publish_at" value=' not in page.text


@pytest.mark.parametrize(
    "month",
    [
        "13", "2026-13", "2026-00", "0000-00", "9999-99", "1899-12", "3000-01", "text",
        "2026-1", "2026-012", "-2026-01", "2026-12\n", "2026-12\x00", "٢٠٢٦-١٢", "9" * 5000,
        "2026-12-01", " 2026-12",
    ],
)  # fmt: skip
def test_a_month_that_is_not_one_is_a_clear_400_showing_this_month(
    author_client, publication, month
):
    response = author_client.get(calendar_url(publication), {"month": month})

    assert response.status_code == 400
    assert BAD_MONTH in response.text
    assert "<caption>November 2026" in response.text


@pytest.mark.parametrize("month", ["1900-01", "2999-12", "2026-12"])
def test_every_month_in_range_is_shown(author_client, publication, month):
    response = author_client.get(calendar_url(publication, month))

    assert response.status_code == 200


def test_the_query_count_does_not_grow_with_the_entries(
    author_client, publication, author, django_assert_max_num_queries
):
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert author_client.get(calendar_url(publication, "2026-12")).status_code == 200
        return len(captured)

    scheduled_post(publication, "One", dt.datetime(2026, 12, 1, 9, tzinfo=UTC))
    schedule_note(author, publication, "One note", dt.datetime(2026, 12, 1, 10, tzinfo=UTC))
    few = count_queries()
    for day in range(2, 28):
        scheduled_post(publication, f"Post {day}", dt.datetime(2026, 12, day, 9, tzinfo=UTC))
        make_post(publication, f"Old {day}", published_at=dt.datetime(2026, 12, day, 7, tzinfo=UTC))
        schedule_note(
            author, publication, f"Note {day}", dt.datetime(2026, 12, day, 10, tzinfo=UTC)
        )

    with django_assert_max_num_queries(few):
        response = author_client.get(calendar_url(publication, "2026-12"))

    assert response.text.count("calendar-entry--post") == 2 + 2 * 26 - 1
    assert response.text.count("calendar-entry--note") == 27


# Who may see it


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.AUTHOR])
def test_staff_of_every_role_see_the_calendar(client, publication, make_staff, role):
    client.force_login(make_staff(role))

    assert client.get(calendar_url(publication)).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, publication):
    response = client.get(calendar_url(publication))

    assert response.status_code == 302
    assert reverse("accounts:sign_in") in response["Location"]


def test_readers_and_other_publications_staff_get_a_404(client, publication, make_staff):
    scheduled_post(publication, "Secret plan", dt.datetime(2026, 12, 10, tzinfo=UTC))
    client.force_login(make_person())
    assert client.get(calendar_url(publication, "2026-12")).status_code == 404

    client.force_login(make_staff(Role.OWNER, on=make_publication()))
    response = client.get(calendar_url(publication, "2026-12"))
    assert response.status_code == 404
    assert "Secret plan" not in response.text
