"""The desk's sends page: who may see and steer sends, live counts, and test emails."""

import re

import pytest
from django.urls import reverse

from masthead.delivery.bounces import record_bounce
from masthead.delivery.models import (
    Delivery,
    DeliverySettings,
    DeliveryState,
    Send,
    SendKind,
    SendState,
)
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db


def make_staff(publication, role, name):
    person = factories.make_person(name=name)
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


@pytest.fixture
def owner(publication):
    return make_staff(publication, Role.OWNER, "Olive Owner")


@pytest.fixture
def author(publication):
    return make_staff(publication, Role.AUTHOR, "Ada Author")


@pytest.fixture
def send(publication, subscribers, owner):
    post = factories.make_post(publication, "Big news", author=owner, body="Hello.")
    return create_send(post)


def sends_url(publication):
    return reverse("delivery:desk_sends", args=[publication.slug])


def action_url(send, action):
    return reverse("delivery:desk_send_action", args=[send.publication.slug, send.id, action])


def progress_url(send):
    return reverse("delivery:desk_send_progress", args=[send.publication.slug, send.id])


def test_strangers_are_sent_to_sign_in(client, publication, send):
    responses = [
        client.get(sends_url(publication)),
        client.get(progress_url(send)),
        client.post(action_url(send, "cancel")),
    ]

    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert Send.objects.get(id=send.id).state == SendState.SENDING


def test_readers_get_not_found(client, publication, send, reader):
    client.force_login(reader)

    assert client.get(sends_url(publication)).status_code == 404
    assert client.get(progress_url(send)).status_code == 404
    assert client.post(action_url(send, "cancel")).status_code == 404
    assert Send.objects.get(id=send.id).state == SendState.SENDING


def test_author_sees_sends_but_may_not_cancel(client, publication, send, author):
    client.force_login(author)

    page = client.get(sends_url(publication))
    refused = client.post(action_url(send, "cancel"))

    assert page.status_code == 200
    assert "Big news" in page.content.decode()
    assert "Cancel</button>" not in page.content.decode()
    assert refused.status_code == 403
    assert Send.objects.get(id=send.id).state == SendState.SENDING


def test_staff_of_another_publication_cannot_see_this_ones_send(client, send):
    other = factories.make_publication(name="Other", slug="other")
    client.force_login(make_staff(other, Role.OWNER, "Otto"))

    assert client.get(progress_url(send)).status_code == 404
    assert client.post(action_url(send, "cancel")).status_code == 404


def test_page_shows_counts_and_refreshes_only_while_running(client, publication, send, owner):
    client.force_login(owner)

    running = client.get(sends_url(publication)).content.decode()
    Send.objects.filter(id=send.id).update(state=SendState.DONE)
    done = client.get(sends_url(publication)).content.decode()

    assert '<meta http-equiv="refresh" content="5">' in running
    assert "masthead/sends.js" in running
    assert f'data-progress-url="{progress_url(send)}"' in running
    assert '<dd data-field="queued">3</dd>' in running
    assert "<progress" in running
    assert 'http-equiv="refresh"' not in done
    assert "masthead/sends.js" not in done


def test_progress_json_counts_deliveries_by_state(client, send, owner):
    ids = list(Delivery.objects.filter(send=send).order_by("id").values_list("id", flat=True))
    Delivery.objects.filter(id=ids[0]).update(state=DeliveryState.SENT)
    Delivery.objects.filter(id=ids[1]).update(state=DeliveryState.BOUNCED)
    client.force_login(owner)

    response = client.get(progress_url(send))

    assert response.status_code == 200
    data = response.json()
    assert data["recipients"] == 3
    assert data["queued"] == 1
    assert data["sent"] == 1
    assert data["bounced"] == 1
    assert data["failed"] == 0
    assert data["done"] == 2
    assert data["state"] == "sending"
    assert data["is_running"] is True


def test_owner_pauses_resumes_and_cancels_from_the_page(client, publication, send, owner):
    client.force_login(owner)

    paused = client.post(action_url(send, "pause"))
    state_after_pause = Send.objects.get(id=send.id).state
    resumed = client.post(action_url(send, "resume"))
    state_after_resume = Send.objects.get(id=send.id).state
    cancelled = client.post(action_url(send, "cancel"))

    assert paused.status_code == resumed.status_code == cancelled.status_code == 302
    assert cancelled["Location"] == sends_url(publication)
    assert state_after_pause == SendState.PAUSED
    assert state_after_resume == SendState.SENDING
    send.refresh_from_db()
    assert send.state == SendState.CANCELLED
    assert send.finished_at is not None


def test_actions_need_post_and_a_known_action(client, send, owner):
    client.force_login(owner)

    assert client.get(action_url(send, "cancel")).status_code == 405
    assert client.post(action_url(send, "explode")).status_code == 404
    assert Send.objects.get(id=send.id).state == SendState.SENDING


def test_sends_page_query_count_does_not_grow_with_sends(
    client, publication, subscribers, owner, django_assert_max_num_queries
):
    for n in range(8):
        create_send(factories.make_post(publication, f"Post {n}", author=owner, body="Hi."))
    client.force_login(owner)

    with django_assert_max_num_queries(8):
        response = client.get(sends_url(publication))

    assert response.status_code == 200
    assert response.content.decode().count("<progress") == 8


# Test emails ---------------------------------------------------------------------------------


@pytest.fixture
def draft(publication, author):
    return factories.make_post(
        publication, "Draft news", status=PostStatus.DRAFT, author=author, body="Hello **you**."
    )


def email_url(post):
    return reverse("delivery:desk_post_test_send", args=[post.publication.slug, post.id])


def test_editor_has_a_send_test_email_button(client, draft, author):
    client.force_login(author)

    page = client.get(reverse("desk:post_edit", args=[draft.publication.slug, draft.id]))

    assert page.status_code == 200
    assert f'formaction="{email_url(draft)}"' in page.content.decode()


def test_test_email_arrives_once_with_test_in_the_subject(
    client, draft, author, subscribers, smtp_sink, run_worker
):
    client.force_login(author)

    response = client.post(email_url(draft))
    run_worker()

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "desk:post_edit", args=[draft.publication.slug, draft.id]
    )
    send = Send.objects.get()
    assert send.kind == SendKind.TEST
    assert send.state == SendState.DONE
    assert [m.envelope_to for m in smtp_sink.messages] == [[author.email]]
    message = smtp_sink.messages[0]
    assert message.subject == "[Test] Draft news"
    assert "<strong>you</strong>" in message.html


def test_test_emails_are_rate_limited_per_person(client, draft, author):
    client.force_login(author)

    responses = [client.post(email_url(draft), follow=True) for _ in range(6)]

    assert [r.status_code for r in responses] == [200] * 6
    assert Send.objects.filter(kind=SendKind.TEST).count() == 5
    assert "Too many attempts" in responses[-1].content.decode()


def test_test_email_refused_to_readers_and_other_authors(client, draft, reader, publication):
    client.force_login(reader)
    as_reader = client.post(email_url(draft))
    client.force_login(make_staff(publication, Role.AUTHOR, "Other Author"))
    as_other_author = client.post(email_url(draft))

    assert as_reader.status_code == 404
    assert as_other_author.status_code == 403
    assert not Send.objects.exists()


def test_test_email_needs_sign_in_and_post(client, draft, author):
    anonymous = client.post(email_url(draft))
    client.force_login(author)
    by_get = client.get(email_url(draft))

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:sign_in"))
    assert by_get.status_code == 405
    assert not Send.objects.exists()


# Tracking switch -----------------------------------------------------------------------------


def tracking_url(publication):
    return reverse("delivery:desk_tracking_settings", args=[publication.slug])


def test_owner_turns_tracking_off_for_new_sends(client, publication, subscribers, owner):
    client.force_login(owner)

    response = client.post(tracking_url(publication), {})
    send = create_send(factories.make_post(publication, "Quiet", author=owner, body="Hi."))

    assert response.status_code == 302
    assert DeliverySettings.objects.get(publication=publication).track_opens_and_clicks is False
    assert send.is_tracked is False


def test_tracking_is_on_by_default_and_shown_with_counts(client, publication, send, owner):
    client.force_login(owner)

    page = client.get(sends_url(publication)).content.decode()

    assert send.is_tracked is True
    checkbox = re.search(r'<input type="checkbox" name="track_opens_and_clicks"[^>]*>', page)
    assert checkbox is not None
    assert " checked" in checkbox.group(0)
    assert '<dd data-field="opens">0</dd>' in page
    assert client.get(progress_url(send)).json()["clicks"] == 0


def test_authors_may_not_change_tracking(client, publication, author):
    client.force_login(author)

    page = client.get(sends_url(publication)).content.decode()
    response = client.post(tracking_url(publication), {})

    assert "track_opens_and_clicks" not in page
    assert response.status_code == 403
    assert not DeliverySettings.objects.exists()


def test_a_hard_bounce_after_sending_counts_as_bounced_not_sent(
    client, send, owner, smtp_sink, run_worker
):
    run_worker()
    record_bounce("reader1@example.com", "hard", detail="550 5.1.1 user unknown")
    client.force_login(owner)

    response = client.get(progress_url(send))

    assert response.status_code == 200
    data = response.json()
    assert (data["sent"], data["bounced"], data["failed"], data["queued"]) == (2, 1, 0, 0)
    assert data["done"] == 3
    send.refresh_from_db()
    assert send.state == SendState.DONE
    assert send.sent_count == 2
