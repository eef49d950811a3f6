"""The desk's automations pages: who may use them, writing emails, bad input, the schedule
preview, the digest's settings, and opens and clicks reported from the tracking pixel."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse

from masthead.automations.models import AutomationEmail, DigestSettings
from masthead.automations.services import run_due_automations
from masthead.publications.models import Membership, Role
from tests import factories
from tests.automations.conftest import automation_mail, confirmed_subscriber, make_email

pytestmark = pytest.mark.django_db


def staff(publication, role):
    person = factories.make_person()
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


@pytest.fixture
def owner_client(client, publication):
    client.force_login(staff(publication, Role.OWNER))
    return client


def overview_url(publication):
    return reverse("desk:automations:overview", args=[publication.slug])


def new_url(publication):
    return reverse("desk:automations:new", args=[publication.slug])


def edit_url(publication, email_id):
    return reverse("desk:automations:edit", args=[publication.slug, email_id])


VALID = {
    "kind": "welcome",
    "subject": "Welcome aboard",
    "preview_text": "Glad you're here",
    "delay_days": "0",
    "body_markdown": "Hello **there**.",
    "is_active": "on",
    "action": "save",
}


def test_an_owner_creates_a_welcome_email_and_sees_it_in_the_schedule(owner_client, publication):
    response = owner_client.post(new_url(publication), VALID)
    assert response.status_code == 302
    email = AutomationEmail.objects.get()
    assert (email.kind, email.subject, email.delay_days, email.is_active) == (
        "welcome",
        "Welcome aboard",
        0,
        True,
    )
    assert "<strong>there</strong>" in email.body_html
    owner_client.post(new_url(publication), {**VALID, "subject": "Day three", "delay_days": "3"})
    page = owner_client.get(overview_url(publication)).content.decode()
    schedule = re.sub(r"<[^>]+>", "", page.split("Schedule", 1)[1].split("Paid upgrade", 1)[0])
    assert "Day 0 (right away): Welcome aboard" in schedule
    assert "Day 3: Day three" in schedule
    assert schedule.index("Day 0") < schedule.index("Day 3")


def test_an_admin_may_use_the_page_and_an_author_may_not(client, publication):
    client.force_login(staff(publication, Role.ADMIN))
    assert client.get(overview_url(publication)).status_code == 200
    client.force_login(staff(publication, Role.AUTHOR))
    assert client.get(overview_url(publication)).status_code == 403
    assert client.post(new_url(publication), VALID).status_code == 403
    assert not AutomationEmail.objects.exists()


def test_a_stranger_gets_404_and_a_visitor_is_sent_to_sign_in(client, publication):
    response = client.get(overview_url(publication))
    assert response.status_code == 302
    assert AutomationEmail.objects.count() == 0
    client.force_login(factories.make_person())
    assert client.get(overview_url(publication)).status_code == 404


def test_another_publications_email_is_not_found(owner_client, publication):
    other = factories.make_publication()
    email = make_email(other, subject="Theirs")
    assert owner_client.get(edit_url(publication, email.id)).status_code == 404
    response = owner_client.post(
        reverse("desk:automations:delete", args=[publication.slug, email.id])
    )
    assert response.status_code == 404
    assert AutomationEmail.objects.filter(id=email.id).exists()


@pytest.mark.parametrize("email_id", [999_999, 2**63, 10**30])
def test_unknown_ids_are_404_never_500(owner_client, publication, email_id):
    assert owner_client.get(edit_url(publication, email_id)).status_code == 404
    toggle = reverse("desk:automations:toggle", args=[publication.slug, email_id])
    assert owner_client.post(toggle).status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"delay_days": "-1"}, "greater than or equal to 0"),
        ({"delay_days": "100000"}, "less than or equal to 365"),
        ({"delay_days": "soon"}, "Enter a whole number"),
        ({"body_markdown": "x" * 100_001}, "at most 100000 characters"),
        ({"subject": "   "}, "This field is required"),
        ({"subject": "s" * 201}, "at most 200 characters"),
        ({"kind": "spam"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_answered_with_a_clear_error(owner_client, publication, change, message):
    response = owner_client.post(new_url(publication), {**VALID, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AutomationEmail.objects.exists()


def test_a_nul_in_the_body_is_refused_with_a_message(owner_client, publication):
    response = owner_client.post(new_url(publication), {**VALID, "body_markdown": "a\x00b"})
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert not AutomationEmail.objects.exists()


def test_preview_renders_without_saving(owner_client, publication):
    response = owner_client.post(new_url(publication), {**VALID, "action": "preview"})
    assert response.status_code == 200
    assert "<strong>there</strong>" in response.content.decode()
    assert not AutomationEmail.objects.exists()


def test_editing_turning_off_reordering_and_deleting(owner_client, publication):
    first = make_email(publication, subject="First")
    second = make_email(publication, subject="Second", delay_days=2)
    response = owner_client.post(
        edit_url(publication, first.id), {**VALID, "subject": "First, edited", "delay_days": "1"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.subject, first.delay_days) == ("First, edited", 1)

    owner_client.post(reverse("desk:automations:toggle", args=[publication.slug, first.id]))
    first.refresh_from_db()
    assert not first.is_active

    move = reverse("desk:automations:move", args=[publication.slug, second.id])
    assert owner_client.post(move, {"direction": "-1"}).status_code == 302
    assert list(AutomationEmail.objects.order_by("position").values_list("subject", flat=True)) == [
        "Second",
        "First, edited",
    ]
    assert owner_client.post(move, {"direction": "sideways"}).status_code == 302

    delete = reverse("desk:automations:delete", args=[publication.slug, second.id])
    assert owner_client.post(delete).status_code == 302
    assert list(AutomationEmail.objects.values_list("subject", flat=True)) == ["First, edited"]


def test_changes_need_post_and_csrf(publication):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff(publication, Role.OWNER))
    email = make_email(publication)
    toggle = reverse("desk:automations:toggle", args=[publication.slug, email.id])
    assert client.get(toggle).status_code == 405
    assert client.post(toggle).status_code == 403
    email.refresh_from_db()
    assert email.is_active


def test_digest_settings_are_saved_and_bad_ones_refused(owner_client, publication):
    url = reverse("desk:automations:digest", args=[publication.slug])
    owner_client.post(url, {"is_on": "on", "weekday": "4", "hour": "17"})
    saved = DigestSettings.objects.get()
    assert (saved.is_on, saved.weekday, saved.hour) == (True, 4, 17)
    response = owner_client.post(url, {"weekday": "9", "hour": "25"}, follow=True)
    assert response.status_code == 200
    assert "Choose a day of the week" in response.content.decode()
    saved.refresh_from_db()
    assert (saved.weekday, saved.hour) == (4, 17)


def test_opens_and_clicks_show_on_the_page(
    owner_client, client, publication, smtp_sink, run_worker
):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start - dt.timedelta(days=1), tick=False):
        make_email(publication, subject="Welcome aboard")
    with time_machine.travel(start, tick=True):
        confirmed_subscriber(publication, "new@example.com")
        run_due_automations()
        run_worker()
    (message,) = automation_mail(smtp_sink, "Welcome aboard")
    pixel = re.search(r'<img src="([^"]+/t/o/[^"]+\.gif)"', message.html).group(1)
    click = re.search(r'href="([^"]+/t/c/[^"]+)"', message.html).group(1)
    anonymous = type(client)()
    assert anonymous.get(urlsplit(pixel).path).status_code == 200
    assert anonymous.get(urlsplit(click).path).status_code == 302
    # The send task recounts sent_count when the send is done.
    page = owner_client.get(overview_url(publication)).content.decode()
    row = page.split("Welcome aboard</a>", 1)[1].split("</tr>", 1)[0]
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    assert cells[:6] == ["0", "On", "1", "1", "100%", "1"]


def test_the_overview_costs_a_fixed_number_of_queries(
    owner_client, publication, django_assert_max_num_queries
):
    for n in range(6):
        make_email(publication, subject=f"Email {n}", delay_days=n)
        make_email(publication, kind="win_back", subject=f"Back {n}", delay_days=n)
    with django_assert_max_num_queries(12):
        response = owner_client.get(overview_url(publication))
    assert response.status_code == 200
    assert "Day 5: Email 5" in re.sub(r"<[^>]+>", "", response.content.decode())
