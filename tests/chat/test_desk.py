"""The desk's chat page: settings, unmuting, hidden messages; owners and admins only."""

import pytest
from django.urls import reverse

from masthead.chat import services
from masthead.chat.models import ChatMute, ChatReaders, ChatSettings, ChatStarters
from masthead.publications.models import Membership, Role
from tests import factories
from tests.chat.conftest import client_id

pytestmark = pytest.mark.django_db


def staff(publication, role):
    person = factories.make_person(name=f"A {role}")
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


def chat_url(publication):
    return reverse("desk:chat_settings", args=[publication.slug])


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_see_the_chat_page(client, publication, role):
    client.force_login(staff(publication, role))

    response = client.get(chat_url(publication))

    assert response.status_code == 200
    assert "Who may start threads" in response.text
    assert 'value="contributors" id="id_starters_0" required checked' in response.text
    assert 'href="http://127.0.0.1:8000/chat/">the chat itself</a>' in response.text


def test_authors_get_403_on_the_chat_page(client, publication):
    client.force_login(staff(publication, Role.AUTHOR))

    assert client.get(chat_url(publication)).status_code == 403
    response = client.post(chat_url(publication), {"readers": "paid", "starters": "paid"})
    assert response.status_code == 403
    assert not ChatSettings.objects.exists()


def test_readers_and_strangers_get_404_or_sign_in(client, publication, subscriber):
    assert client.get(chat_url(publication)).status_code == 302
    client.force_login(subscriber)
    assert client.get(chat_url(publication)).status_code == 404


def test_the_desk_nav_links_to_chat_for_managers_only(client, publication, writer):
    client.force_login(writer)
    assert (
        f'href="{chat_url(publication)}"'
        in client.get(reverse("desk:dashboard", args=[publication.slug])).text
    )

    client.force_login(staff(publication, Role.AUTHOR))
    assert (
        f'href="{chat_url(publication)}"'
        not in client.get(reverse("desk:dashboard", args=[publication.slug])).text
    )


def test_saving_the_settings_stores_them(writer_client, publication):
    response = writer_client.post(
        chat_url(publication), {"readers": "paid", "starters": "subscribers"}
    )

    assert response.status_code == 302
    saved = ChatSettings.objects.get(publication=publication)
    assert (saved.readers, saved.starters) == (ChatReaders.PAID, ChatStarters.SUBSCRIBERS)
    page = writer_client.get(response["Location"]).text
    assert "Chat settings saved." in page
    assert 'value="subscribers" id="id_starters_2" required checked' in page


def test_saving_again_keeps_one_row_and_the_announcement_mark(writer, writer_client, publication):
    services.post_thread(writer, publication, client_id=client_id(), body="Hello")
    announced_at = ChatSettings.objects.get().announced_at

    writer_client.post(chat_url(publication), {"readers": "subscribers", "starters": "paid"})

    saved = ChatSettings.objects.get()
    assert saved.starters == ChatStarters.PAID
    assert saved.announced_at == announced_at


@pytest.mark.parametrize(
    "data, message",
    [
        ({"readers": "everyone", "starters": "contributors"}, "Choose who may read the chat"),
        ({"readers": "subscribers"}, "Choose who may start threads."),
        ({"readers": ["paid", "x" * 10_000], "starters": "<script>"}, "Choose who may"),
    ],
)
def test_bad_input_shows_form_errors(writer_client, publication, data, message):
    response = writer_client.post(chat_url(publication), data)

    assert response.status_code == 400
    assert message in response.text
    assert "<script>" not in response.text
    assert not ChatSettings.objects.exists()


def test_the_form_needs_a_csrf_token(client, writer, publication):
    client.handler.enforce_csrf_checks = True
    client.force_login(writer)

    response = client.post(chat_url(publication), {"readers": "paid", "starters": "paid"})

    assert response.status_code == 403
    assert not ChatSettings.objects.exists()
    page = client.get(chat_url(publication)).text
    assert page.count("csrfmiddlewaretoken") >= 1


def test_muted_people_are_listed_and_can_be_unmuted(writer, writer_client, subscriber, publication):
    services.mute(writer, publication, person_id=subscriber.id)
    page = writer_client.get(chat_url(publication))
    assert subscriber.name in page.text
    assert "Unmute" in page.text

    response = writer_client.post(
        reverse("desk:chat_unmute", args=[publication.slug, subscriber.id])
    )

    assert response.status_code == 302
    assert not ChatMute.objects.exists()
    assert "they can post in the chat again" in writer_client.get(response["Location"]).text


def test_unmuting_someone_not_muted_says_so(writer_client, subscriber, publication):
    response = writer_client.post(
        reverse("desk:chat_unmute", args=[publication.slug, subscriber.id]), follow=True
    )

    assert response.status_code == 200
    assert "was not muted" in response.text


def test_unmute_is_post_only_and_for_managers(client, writer, subscriber, publication):
    services.mute(writer, publication, person_id=subscriber.id)
    url = reverse("desk:chat_unmute", args=[publication.slug, subscriber.id])
    client.force_login(writer)
    assert client.get(url).status_code == 405

    client.force_login(staff(publication, Role.AUTHOR))
    assert client.post(url).status_code == 403
    client.force_login(subscriber)
    assert client.post(url).status_code == 404
    assert ChatMute.objects.count() == 1


def test_a_muted_person_of_another_publication_is_left_alone(writer_client, subscriber):
    other = factories.make_publication(name="Other", slug="other")
    ChatMute.objects.create(publication=other, person=subscriber)

    writer_client.post(reverse("desk:chat_unmute", args=["daily-build", subscriber.id]))

    assert ChatMute.objects.filter(publication=other).exists()


def test_hidden_messages_are_listed_with_a_mute_button(
    writer, writer_client, subscriber, publication
):
    thread, _ = services.post_thread(writer, publication, client_id=client_id(), body="Hello")
    reply, _ = services.post_reply(
        subscriber, publication, thread_id=thread.id, client_id=client_id(), body="Rude words"
    )
    services.hide_message(writer, publication, message_id=reply.id)

    page = writer_client.get(chat_url(publication))
    assert "Rude words" in page.text

    response = writer_client.post(
        reverse("desk:chat_mute_author", args=[publication.slug, reply.id])
    )

    assert response.status_code == 302
    assert ChatMute.objects.get().person == subscriber
    assert "Muted" in writer_client.get(chat_url(publication)).text


def test_muting_the_author_of_a_message_elsewhere_is_404(writer_client, publication):
    other = factories.make_publication(name="Other", slug="other")
    stranger = factories.make_person()
    Membership.objects.create(publication=other, person=stranger, role=Role.OWNER)
    message, _ = services.post_thread(stranger, other, client_id=client_id(), body="Mine")

    response = writer_client.post(
        reverse("desk:chat_mute_author", args=[publication.slug, message.id])
    )

    assert response.status_code == 404
    assert not ChatMute.objects.exists()


def test_a_writer_cannot_be_muted_from_the_desk(writer, writer_client, publication):
    thread, _ = services.post_thread(writer, publication, client_id=client_id(), body="Oops")
    services.hide_message(writer, publication, message_id=thread.id)

    response = writer_client.post(
        reverse("desk:chat_mute_author", args=[publication.slug, thread.id]), follow=True
    )

    assert response.status_code == 200
    assert "cannot be muted" in response.text
    assert not ChatMute.objects.exists()


def test_out_of_range_ids_are_not_found_not_errors(writer_client, publication):
    huge = 10**30

    unmute = writer_client.post(reverse("desk:chat_unmute", args=[publication.slug, huge]))
    mute = writer_client.post(reverse("desk:chat_mute_author", args=[publication.slug, huge]))

    assert (unmute.status_code, mute.status_code) == (404, 404)
