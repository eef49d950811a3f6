"""The home feed, a publication's Notes page and a person's notes: contents, order, paging, cost."""

import datetime as dt

import pytest
from django.utils import timezone

from masthead.core.cursors import parse_moment_cursor
from masthead.notes import queries, services
from masthead.notes.models import Follow, Note
from masthead.subscriptions.models import SubscriptionStatus
from tests.factories import make_person, make_publication
from tests.notes.conftest import make_writer, note_by, signed_in, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("publication", "no_note_rate")]

NOW = timezone.now()


def bodies(page) -> list[str]:
    return [card.note.body_markdown for card in page.cards]


def test_the_feed_holds_subscribed_publications_followed_people_and_ones_own(reader):
    read = make_publication()
    unread = make_publication()
    lapsed = make_publication()
    subscribe(reader, read)
    subscribe(reader, lapsed, status=SubscriptionStatus.UNSUBSCRIBED)
    followed = make_person()
    stranger = make_person()
    Follow.objects.create(follower=reader, followed=followed)
    note_by(make_writer(read), "from a read publication")
    note_by(make_writer(read), "as the publication", publication=read)
    note_by(make_writer(unread), "from an unread publication")
    note_by(make_writer(lapsed), "from a lapsed subscription")
    note_by(followed, "from a followed person")
    note_by(stranger, "from a stranger")
    note_by(reader, "my own")

    page = queries.feed_page(reader)

    assert set(bodies(page)) == {
        "from a read publication",
        "as the publication",
        "from a followed person",
        "my own",
    }


def test_unfollowing_takes_a_person_out_of_the_feed(reader):
    followed = make_person()
    note_by(followed, "theirs")
    services.follow(reader, followed)
    assert bodies(queries.feed_page(reader)) == ["theirs"]

    services.unfollow(reader, followed)

    assert bodies(queries.feed_page(reader)) == []


def test_the_feed_is_newest_first_and_pages_with_older_links(reader):
    publications = [make_publication() for _ in range(3)]
    writers = [make_writer(publication) for publication in publications]
    for publication in publications:
        subscribe(reader, publication)
    for index in range(45):
        # Interleaved across sources, with equal timestamps in pairs to test the tie-break.
        note_by(writers[index % 3], f"note {index}", at=NOW - dt.timedelta(minutes=index // 2))
    expected = [note.body_markdown for note in Note.objects.order_by("-created_at", "-id")]

    seen, cursor, pages = [], None, 0
    while True:
        page = queries.feed_page(reader, cursor)
        seen += bodies(page)
        pages += 1
        if not page.next_cursor:
            break
        cursor = parse_moment_cursor(page.next_cursor)

    assert pages == 3
    assert seen == expected


def test_the_feed_pages_through_the_view(reader):
    writer = make_writer(make_publication())
    subscribe(reader, writer.memberships.get().publication)
    for index in range(25):
        note_by(writer, f"note {index}", at=NOW - dt.timedelta(minutes=index))
    client = signed_in(reader)

    first = client.get("/notes/feed/")
    assert first.status_code == 200
    assert "note 0" in first.text and "note 19" in first.text and "note 20" not in first.text
    cursor = parse_moment_cursor(first.context["page"].next_cursor)
    second = client.get(f"/notes/feed/?before={cursor.encode()}")

    assert "note 20" in second.text and "note 24" in second.text and "note 19<" not in second.text
    assert second.context["page"].next_cursor is None


def test_a_bad_cursor_shows_the_first_page(reader):
    note_by(reader, "mine")

    response = signed_in(reader).get("/notes/feed/?before=tomorrow")

    assert response.status_code == 200 and "mine" in response.text


def test_the_feed_needs_signing_in(client, publication):
    response = client.get("/notes/feed/")

    assert response.status_code == 302 and "next=/notes/feed/" in response["Location"]


def _subscribe_to_many(reader, count: int) -> None:
    for index in range(count):
        publication = make_publication()
        subscribe(reader, publication)
        writer = make_writer(publication)
        note_by(writer, f"writer note {index}")
        note_by(writer, f"publication note {index}", publication=publication)


@pytest.mark.parametrize("subscriptions", [1, 50])
def test_the_feed_costs_the_same_queries_with_1_or_50_subscriptions(
    reader, subscriptions, django_assert_max_num_queries, publication
):
    _subscribe_to_many(reader, subscriptions)
    Follow.objects.create(follower=reader, followed=make_person())
    client = signed_in(reader)

    # Routing (2), session, user, subscriptions, follows, writers, merged ids, notes, likes,
    # the composer's role check, the header's "subscribed?".
    with django_assert_max_num_queries(12):
        response = client.get("/notes/feed/")

    assert response.status_code == 200
    assert len(response.context["page"].cards) == min(20, 2 * subscriptions)


def test_the_feed_makes_exactly_as_many_queries_for_1_as_for_50_subscriptions(reader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for total in (1, 50):
        _subscribe_to_many(reader, total - reader.subscriptions.count())
        with CaptureQueriesContext(connection) as captured:
            page = queries.feed_page(reader)
        assert len(page.cards) == min(20, 2 * total)
        counts.append(len(captured.captured_queries))

    # Subscriptions, follows, writers, merged ids, notes, the reader's likes.
    assert counts[0] == counts[1] == 6


def test_the_publication_notes_page_shows_its_writers_not_its_readers(
    client, publication, writer, reader
):
    subscribe(reader, publication)
    note_by(writer, "the writer note")
    note_by(writer, "as the publication", publication=publication)
    note_by(reader, "a reader's note")
    note_by(make_writer(make_publication()), "another publication's writer")

    response = client.get("/notes/")

    assert response.status_code == 200
    text = response.text
    assert "the writer note" in text and "as the publication" in text
    assert "a reader" not in text and "another publication" not in text
    assert "Sign in</a> to write notes" in text


def test_the_publication_notes_page_has_a_composer_for_signed_in_readers(reader_client):
    response = reader_client.get("/notes/")

    assert 'action="/notes/new/"' in response.text
    assert "Post as" not in response.text


def test_staff_see_the_post_as_publication_choice(publication, writer):
    response = signed_in(writer).get("/notes/")

    assert f"Post as {publication.name}" in response.text


def test_the_publication_notes_page_costs_fixed_queries(
    client, publication, django_assert_max_num_queries
):
    for _ in range(5):
        writer = make_writer(publication)
        for index in range(5):
            note_by(writer, f"note {index}")

    # Routing (2), writers, merged ids, notes.
    with django_assert_max_num_queries(5):
        response = client.get("/notes/")

    assert len(response.context["page"].cards) == 20


def test_notes_is_in_the_publication_navigation(client, publication):
    response = client.get("/")

    assert 'href="/notes/"' in response.text


def test_following_from_the_profile_page(reader_client, reader, publication):
    person = make_person(name="Fay Followed")

    response = reader_client.post(f"/people/{person.pk}/follow/", {"action": "follow"})

    assert response.status_code == 302
    assert Follow.objects.filter(follower=reader, followed=person).exists()
    page = reader_client.get(f"/people/{person.pk}/notes/")
    assert "Unfollow" in page.text
    reader_client.post(f"/people/{person.pk}/follow/", {"action": "unfollow"})
    assert not Follow.objects.exists()


def test_following_needs_signing_in_and_oneself_cannot_be_followed(client, reader, publication):
    person = make_person()

    response = client.post(f"/people/{person.pk}/follow/")
    assert response.status_code == 302 and not Follow.objects.exists()
    refused = signed_in(reader).post(f"/people/{reader.pk}/follow/")
    assert refused.status_code == 403 and not Follow.objects.exists()


def test_following_twice_makes_one_follow(reader, publication):
    person = make_person()

    services.follow(reader, person)
    services.follow(reader, person)

    assert Follow.objects.count() == 1


def test_an_unknown_person_is_a_404(client, publication):
    assert client.get("/people/999999/notes/").status_code == 404
