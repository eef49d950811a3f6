"""Post cards in notes show only what is published now; a post taken back says it is gone."""

import pytest

from masthead.notes import services
from masthead.notes.models import Note
from masthead.notes.rules import NoteRefused
from masthead.posts.models import Audience, PostStatus
from masthead.posts.services import PostContent, delete_post, unpublish_post, update_post
from tests.factories import make_post, make_publication
from tests.notes.conftest import make_writer, note_by, signed_in, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_note_rate")]

GONE = "This post is no longer available."
SECRET_TITLE = "Layoffs planned for March"
SECRET_SUBTITLE = "Nobody may know yet"


def take_back_and_retitle(post) -> None:
    """What the attacker saw: unpublish a restacked post, then give the draft a new title."""
    unpublish_post(post)
    update_post(
        post, PostContent(title=SECRET_TITLE, subtitle=SECRET_SUBTITLE, body_markdown="Draft.")
    )
    post.refresh_from_db()


def assert_shows_nothing_of(text: str, post) -> None:
    assert GONE in text
    for secret in (SECRET_TITLE, SECRET_SUBTITLE, post.slug, "Draft."):
        assert secret not in text
    assert f"/p/{post.slug}/" not in text


@pytest.fixture
def restack(reader, published_post):
    return services.post_note(reader, restack_of_post=published_post)


def test_a_restacked_post_taken_back_shows_nothing_on_the_persons_notes(
    client, reader, restack, published_post
):
    take_back_and_retitle(published_post)

    response = client.get(f"/people/{reader.pk}/notes/")

    assert response.status_code == 200
    assert_shows_nothing_of(response.text, published_post)
    assert "restacked" in response.text
    assert client.get(f"/p/{published_post.slug}/").status_code == 404


def test_a_restacked_post_taken_back_shows_nothing_in_the_feed(
    reader, restack, published_post, publication
):
    subscribe(reader, publication)
    take_back_and_retitle(published_post)

    response = signed_in(reader).get("/notes/feed/")

    assert response.status_code == 200
    assert_shows_nothing_of(response.text, published_post)


def test_a_restacked_post_taken_back_shows_nothing_on_the_note_page(
    client, restack, published_post
):
    take_back_and_retitle(published_post)

    response = client.get(f"/notes/{restack.id}/")

    assert response.status_code == 200
    assert_shows_nothing_of(response.text, published_post)


def test_a_scheduled_post_is_no_longer_available(client, writer, publication, published_post):
    note_by(writer, "Out now", linked_post=published_post)
    published_post.status = PostStatus.SCHEDULED
    published_post.title = SECRET_TITLE
    published_post.save(update_fields=["status", "title"])

    response = client.get("/notes/")

    assert response.status_code == 200
    assert "Out now" in response.text
    assert_shows_nothing_of(response.text, published_post)


def test_a_note_restacking_a_restack_of_a_taken_back_post_shows_nothing(
    client, reader, writer, published_post
):
    commented = services.post_note(writer, "Must read", restack_of_post=published_post)
    services.post_note(reader, "Agreed", restack_of_note=commented)
    take_back_and_retitle(published_post)

    response = client.get(f"/people/{reader.pk}/notes/")

    assert response.status_code == 200
    assert "Must read" in response.text and "Agreed" in response.text
    assert_shows_nothing_of(response.text, published_post)


def test_a_quoted_note_shows_the_post_it_restacked(client, reader, writer, published_post):
    commented = services.post_note(writer, "Must read", restack_of_post=published_post)
    services.post_note(reader, "Agreed", restack_of_note=commented)

    response = client.get(f"/people/{reader.pk}/notes/")

    assert response.status_code == 200
    assert published_post.title in response.text
    assert f'href="/p/{published_post.slug}/"' in response.text


def test_a_reply_linking_a_taken_back_post_shows_nothing(client, reader, writer, published_post):
    note = note_by(writer, "Thoughts?")
    note_by(reader, "See this", parent=note, linked_post=published_post)
    take_back_and_retitle(published_post)

    response = client.get(f"/notes/{note.id}/")

    assert response.status_code == 200
    assert "See this" in response.text
    assert_shows_nothing_of(response.text, published_post)


def test_the_restack_page_of_a_restack_of_a_taken_back_post_shows_nothing(
    reader, writer, published_post
):
    commented = services.post_note(writer, "Must read", restack_of_post=published_post)
    take_back_and_retitle(published_post)

    response = signed_in(reader).get(f"/notes/{commented.id}/restack/")

    assert response.status_code == 200
    assert "Must read" in response.text
    assert_shows_nothing_of(response.text, published_post)


def test_a_deleted_post_leaves_its_bare_restack_saying_so(client, reader, restack, published_post):
    title = published_post.title
    delete_post(published_post)

    response = client.get(f"/people/{reader.pk}/notes/")

    assert response.status_code == 200
    assert "The restacked post or note is no longer available." in response.text
    assert title not in response.text


def test_a_post_edited_while_published_shows_its_new_title(client, reader, restack, published_post):
    update_post(published_post, PostContent(title="Better title", body_markdown="Words."))

    response = client.get(f"/people/{reader.pk}/notes/")

    assert "Better title" in response.text and GONE not in response.text


def test_a_paid_posts_card_shows_its_title_and_subtitle_but_never_its_body(client, reader):
    publication = make_publication()
    paid = make_post(
        publication,
        "Members only",
        subtitle="The short of it",
        body="The paid secret sauce.",
        audience=Audience.PAID,
    )
    services.post_note(reader, restack_of_post=paid)

    response = client.get(f"/people/{reader.pk}/notes/")

    assert "Members only" in response.text and "The short of it" in response.text
    assert "secret sauce" not in response.text


def test_restacking_a_bare_restack_of_a_taken_back_post_is_refused(reader, writer, published_post):
    bare = services.post_note(writer, restack_of_post=published_post)
    unpublish_post(published_post)

    response = signed_in(reader).post(f"/notes/{bare.id}/restack/", {"body": ""})

    assert response.status_code == 403
    assert GONE in response.text
    assert Note.objects.count() == 1


def test_the_service_refuses_to_restack_a_taken_back_post_through_a_bare_restack(
    reader, writer, published_post
):
    bare = services.post_note(writer, restack_of_post=published_post)
    unpublish_post(published_post)

    with pytest.raises(NoteRefused):
        services.post_note(reader, restack_of_note=bare)

    assert Note.objects.count() == 1


def test_a_page_of_taken_back_and_published_cards_costs_a_fixed_number_of_queries(
    client, publication, django_assert_max_num_queries
):
    writer = make_writer(publication)
    others = [make_publication() for _ in range(5)]
    for index, other in enumerate(others):
        post = make_post(other, f"Theirs {index}")
        note_by(writer, f"restack {index}", restack_of_post=post)
        if index % 2:
            unpublish_post(post)
    ours = make_post(publication, "Ours")
    note_by(writer, "ours", linked_post=ours)

    # Routing (2), writers, merged ids, notes, the other publications' addresses.
    with django_assert_max_num_queries(6):
        response = client.get("/notes/")

    assert response.status_code == 200
    assert response.text.count(GONE) == 2
    assert "Theirs 0" in response.text and "Theirs 1" not in response.text


def test_a_thread_of_replies_linking_many_publications_costs_a_fixed_number_of_queries(
    client, writer, django_assert_max_num_queries
):
    note = note_by(writer, "Thoughts?")
    for index in range(5):
        post = make_post(make_publication(), f"Elsewhere {index}")
        note_by(writer, f"reply {index}", parent=note, linked_post=post)

    # Routing (2), the note's thread root, the thread, the other publications' addresses.
    with django_assert_max_num_queries(5):
        response = client.get(f"/notes/{note.id}/")

    assert response.status_code == 200
    assert all(f"Elsewhere {index}" in response.text for index in range(5))
