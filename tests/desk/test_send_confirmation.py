"""Publishing or scheduling with email asks once, saying how many people will get the email."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from masthead.delivery.models import Send, SendKind
from masthead.delivery.services.fan_out import suppress
from masthead.desk.post_views import newsletter_recipient_count
from masthead.posts.models import PostStatus
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.desk.editing import edit_url, editor_data
from tests.factories import make_person, make_publication

pytestmark = pytest.mark.django_db


def add_subscriber(publication, email, status=SubscriptionStatus.ACTIVE):
    person = make_person(email=email)
    return Subscription.objects.create(publication=publication, person=person, status=status)


@pytest.fixture
def audience(publication):
    """Three people would get the email: four active, one of them suppressed, and others who
    would not (pending, unsubscribed, subscribed elsewhere)."""
    for n in range(4):
        add_subscriber(publication, f"reader{n}@example.com")
    add_subscriber(publication, "pending@example.com", SubscriptionStatus.PENDING)
    add_subscriber(publication, "gone@example.com", SubscriptionStatus.UNSUBSCRIBED)
    add_subscriber(make_publication(), "elsewhere@example.com")
    suppress("reader3@example.com", publication=publication)


def confirm_form_fields(html: str) -> dict:
    """The hidden fields and the confirm button of the confirmation page, as a browser posts them."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    action = re.search(r'<button class="button" type="submit" name="action" value="(\w+)"', html)
    fields["action"] = action.group(1)
    return fields


def test_the_count_is_active_subscribers_without_suppressed_addresses(publication, audience):
    assert newsletter_recipient_count(publication) == 3


def test_a_suppression_for_every_publication_counts_too(publication, audience):
    suppress("reader2@example.com")

    assert newsletter_recipient_count(publication) == 2


def test_the_count_is_what_fan_out_sends_to(author_client, publication, draft, audience):
    author_client.post(
        edit_url(draft), editor_data(action="publish", send_email="on", confirm_send="on")
    )

    send = Send.objects.get(post=draft, kind=SendKind.NEWSLETTER)
    assert send.recipient_count == newsletter_recipient_count(publication) == 3


def test_publish_and_send_first_asks_with_the_count(author_client, publication, draft, audience):
    response = author_client.post(edit_url(draft), editor_data(action="publish", send_email="on"))

    assert response.status_code == 200
    assert "Send “A draft” to 3 subscribers?" in response.text
    assert "Confirm and send" in response.text
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT
    assert draft.email_requested is False
    assert not Send.objects.exists()


def test_one_subscriber_is_one_subscriber(author_client, publication, draft):
    add_subscriber(publication, "only@example.com")

    response = author_client.post(edit_url(draft), editor_data(action="publish", send_email="on"))

    assert "Send “A draft” to 1 subscriber?" in response.text


def test_thousands_are_written_with_a_separator(author_client, publication, draft):
    people = [make_person(email=f"r{n}@example.com") for n in range(1234)]
    Subscription.objects.bulk_create(
        Subscription(publication=publication, person=person, status=SubscriptionStatus.ACTIVE)
        for person in people
    )

    response = author_client.post(edit_url(draft), editor_data(action="publish", send_email="on"))

    assert "to 1,234 subscribers?" in response.text


def test_asking_saves_the_text_so_back_loses_nothing(author_client, publication, draft, audience):
    author_client.post(
        edit_url(draft), editor_data(action="publish", send_email="on", body_markdown="Final.")
    )

    draft.refresh_from_db()
    assert draft.body_markdown == "Final."
    assert draft.status == PostStatus.DRAFT


def test_confirming_publishes_and_sends(author_client, publication, draft, audience):
    asked = author_client.post(
        edit_url(draft), editor_data(action="publish", send_email="on", title="Big news")
    )

    response = author_client.post(edit_url(draft), confirm_form_fields(asked.text))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert draft.title == "Big news"
    assert draft.email_requested is True
    send = Send.objects.get(post=draft, kind=SendKind.NEWSLETTER)
    assert send.recipient_count == 3


def test_the_email_arrives_after_confirming(
    author_client, publication, draft, audience, smtp_sink, run_worker
):
    asked = author_client.post(edit_url(draft), editor_data(action="publish", send_email="on"))
    run_worker()
    assert smtp_sink.messages == []

    author_client.post(edit_url(draft), confirm_form_fields(asked.text))
    run_worker()

    received = sorted(address for m in smtp_sink.messages for address in m.envelope_to)
    assert received == ["reader0@example.com", "reader1@example.com", "reader2@example.com"]


def test_scheduling_with_email_asks_too(author_client, publication, draft, audience):
    moment = (timezone.now() + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    publish_at = timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")

    asked = author_client.post(
        edit_url(draft), editor_data(action="schedule", send_email="on", publish_at=publish_at)
    )

    assert asked.status_code == 200
    assert "Send “A draft” to 3 subscribers?" in asked.text
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT

    response = author_client.post(edit_url(draft), confirm_form_fields(asked.text))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostStatus.SCHEDULED
    assert draft.published_at == moment
    assert draft.email_requested is True


def test_a_past_schedule_time_is_refused_before_asking(author_client, publication, draft):
    past = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    response = author_client.post(
        edit_url(draft), editor_data(action="schedule", send_email="on", publish_at=past)
    )

    assert response.status_code == 400
    assert "has already passed" in response.text
    assert "Send “A draft” to" not in response.text


def test_publishing_without_email_does_not_ask(author_client, publication, draft, audience):
    response = author_client.post(edit_url(draft), editor_data(action="publish"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert not Send.objects.exists()


def test_the_editor_carries_the_count_for_its_dialog(author_client, publication, draft, audience):
    response = author_client.get(edit_url(draft))

    assert response.status_code == 200
    assert 'data-recipients="3 subscribers"' in response.text
    assert '<input type="hidden" name="confirm_send" value=""' in response.text


def test_an_author_of_another_publication_gets_no_count(client, publication, draft, audience):
    other = make_publication()
    stranger = make_person()
    from masthead.publications.models import Membership, Role

    Membership.objects.create(publication=other, person=stranger, role=Role.OWNER)
    client.force_login(stranger)

    response = client.post(edit_url(draft), editor_data(action="publish", send_email="on"))

    assert response.status_code in (403, 404)
    assert "Send “A draft” to" not in response.text
