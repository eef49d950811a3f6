"""Every date and time is written one way ("Sep 2 · 14:00"), by one filter, in the time zone of
the publication it belongs to: its pages, its desk, its chat broadcasts and its emails."""

import datetime as dt

import pytest
from django.core import mail
from django.template import Context, Template
from django.utils import timezone

from masthead.chat.events import render_message
from masthead.chat.services import post_thread
from masthead.core.mail import build_email
from masthead.core.templatetags.masthead import moment, short_date
from masthead.notes.services import post_note
from masthead.publications.models import Membership, Role
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db

# 23:30 in UTC is already the next morning in Tokyo (UTC+9) and still the evening in Honolulu.
LATE_EVENING_UTC = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)


@pytest.fixture
def tokyo():
    publication = make_publication(name="Tokyo Letters", slug="tokyo-letters")
    publication.time_zone = "Asia/Tokyo"
    publication.save(update_fields=["time_zone"])
    writer = make_person(name="Wren Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    return publication, writer


def test_moment_writes_the_day_and_a_24_hour_time():
    with timezone.override(dt.UTC):
        this_year = timezone.now().replace(month=9, day=2, hour=14, minute=0)
        assert moment(this_year) == "Sep 2 · 14:00"
        earlier = dt.datetime(2024, 12, 22, 9, 5, tzinfo=dt.UTC)
        assert moment(earlier) == "Dec 22, 2024 · 09:05"
        assert short_date(earlier) == "Dec 22, 2024"
        assert moment(None) == ""


def test_moment_follows_the_active_time_zone():
    template = Template("{% load masthead %}{{ when|moment }}")
    context = Context({"when": LATE_EVENING_UTC})
    with timezone.override("Asia/Tokyo"):
        assert template.render(context) == "Mar 15 · 08:30"
    with timezone.override("Pacific/Honolulu"):
        assert template.render(context) == "Mar 14 · 13:30"


def test_notes_page_shows_times_in_the_publication_time_zone(client, tokyo):
    publication, writer = tokyo
    post_note(writer, "Good morning from Tokyo.", publication=publication, at=LATE_EVENING_UTC)
    page = client.get(f"/pub/{publication.slug}/notes/").content.decode()
    assert "Mar 15 · 08:30" in page
    assert "Mar 14" not in page


def test_a_page_of_another_publication_is_not_left_in_the_last_time_zone(client, tokyo):
    publication, writer = tokyo
    post_note(writer, "Tokyo.", publication=publication, at=LATE_EVENING_UTC)
    elsewhere = make_publication(slug="utc-letters")
    Membership.objects.create(publication=elsewhere, person=writer, role=Role.OWNER)
    post_note(writer, "Greenwich.", publication=elsewhere, at=LATE_EVENING_UTC)
    assert "Mar 15 · 08:30" in client.get(f"/pub/{publication.slug}/notes/").content.decode()
    page = client.get(f"/pub/{elsewhere.slug}/notes/").content.decode()
    assert "Mar 14 · 23:30" in page


def test_chat_broadcast_is_rendered_in_the_publication_time_zone(tokyo):
    publication, writer = tokyo
    message, _ = post_thread(
        writer, publication, client_id="time-zone-client-000001", body="Hello, room."
    )
    type(message).objects.filter(pk=message.pk).update(created_at=LATE_EVENING_UTC)
    message.refresh_from_db()
    with timezone.override("Pacific/Honolulu"):  # whatever the worker's own zone
        assert "Mar 15 · 08:30" in render_message(message)


def test_desk_editor_names_the_publication_time_zone(client, tokyo):
    publication, writer = tokyo
    post = make_post(publication, "Draft", status="draft", author=writer)
    client.force_login(writer)
    page = client.get(f"/desk/{publication.slug}/posts/{post.id}/")
    assert page.status_code == 200
    assert page.context["time_zone"] == "Asia/Tokyo"


def test_an_email_of_the_publication_uses_its_time_zone(tokyo):
    publication, writer = tokyo
    post = make_post(publication, "Commented", author=writer)
    comment = post.comments.create(
        person=writer, body_markdown="First!", created_at=LATE_EVENING_UTC
    )
    message = build_email(
        "comment_digest",
        "reader@example.com",
        {"publication": publication, "post": post, "comments": [comment], "more_count": 0},
    )
    message.send()
    assert "Mar 15 · 08:30" in mail.outbox[0].alternatives[0][0]


def test_an_unknown_zone_name_falls_back_to_the_install_zone(client, tokyo, settings):
    publication, writer = tokyo
    publication.time_zone = "Mars/Olympus_Mons"
    publication.save(update_fields=["time_zone"])
    post_note(writer, "Lost in space.", publication=publication, at=LATE_EVENING_UTC)
    response = client.get(f"/pub/{publication.slug}/notes/")
    assert response.status_code == 200
    assert "Mar 14 · 23:30" in response.content.decode()  # settings.TIME_ZONE is UTC


def test_the_owner_picks_the_time_zone_in_the_desk(client, tokyo):
    from tests.desk.test_publication_face import settings_data

    publication, writer = tokyo
    client.force_login(writer)
    url = f"/desk/{publication.slug}/settings/"
    assert '<option value="Asia/Tokyo" selected>' in client.get(url).content.decode()

    response = client.post(
        url, settings_data(publication, time_zone="America/Argentina/Buenos_Aires")
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.time_zone == "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "UTC\x00"])
def test_a_zone_not_in_the_list_is_refused(client, tokyo, zone):
    from tests.desk.test_publication_face import settings_data

    publication, writer = tokyo
    client.force_login(writer)

    response = client.post(
        f"/desk/{publication.slug}/settings/", settings_data(publication, time_zone=zone)
    )

    assert response.status_code == 400
    assert "Choose a time zone from the list." in response.content.decode()
    publication.refresh_from_db()
    assert publication.time_zone == "Asia/Tokyo"
