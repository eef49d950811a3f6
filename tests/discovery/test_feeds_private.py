"""Private feeds of readers with paid access: whole paid posts and audio, tokens, rotation."""

import datetime as dt

import feedparser
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from masthead.billing.models import AccessGrant, GrantKind
from masthead.discovery import feed_tokens
from masthead.discovery.models import FeedToken
from masthead.posts.models import Audience, PostKind
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db

SENTENCE = "Quillwort ledger seventeen: the paid sentence."
PAID_BODY = (
    "An open first paragraph.\n\nAn open second paragraph.\n\n<!-- paywall -->\n\n"
    f"{SENTENCE}\n\nMore for paid readers only."
)


@pytest.fixture
def paid_posts(publication):
    make_post(publication, "Paid one", audience=Audience.PAID, body=PAID_BODY)
    make_post(publication, "Paid episode", kind=PostKind.PODCAST, audience=Audience.PAID,
              audio_url="https://cdn.example.com/secret.mp3")  # fmt: skip


@pytest.fixture
def grant(publication, reader):
    return AccessGrant.objects.create(publication=publication, person=reader, kind=GrantKind.COMP)


def private_path(person, publication) -> str:
    return f"/feed/private/{feed_tokens.feed_token_for(person, publication)}/"


def test_paying_reader_gets_paid_posts_whole_with_audio(client, publication, reader, grant,
                                                        paid_posts):  # fmt: skip
    response = client.get(private_path(reader, publication))
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    assert SENTENCE in response.content.decode()
    episode = next(entry for entry in parsed.entries if entry.title == "Paid episode")
    assert episode.enclosures[0].href == "https://cdn.example.com/secret.mp3"
    assert response["Cache-Control"] == "private, no-cache"


def test_reader_whose_access_ended_gets_the_preview_again(client, publication, reader, grant,
                                                          paid_posts):  # fmt: skip
    path = private_path(reader, publication)
    assert SENTENCE in client.get(path).content.decode()
    grant.ends_at = timezone.now() - dt.timedelta(minutes=1)
    grant.save(update_fields=["ends_at"])
    response = client.get(path)
    assert response.status_code == 200
    assert SENTENCE not in response.content.decode()
    assert b"secret.mp3" not in response.content


def test_ended_access_changes_the_etag(client, publication, reader, grant, paid_posts):
    path = private_path(reader, publication)
    etag = client.get(path)["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    grant.ends_at = timezone.now() - dt.timedelta(minutes=1)
    grant.save(update_fields=["ends_at"])
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_public_feed_never_has_the_paid_sentence(client, publication, reader, grant,
                                                     paid_posts):  # fmt: skip
    client.force_login(reader)
    assert SENTENCE not in client.get("/feed/").content.decode()


def test_address_is_the_same_on_every_visit_and_only_its_hash_is_stored(publication, reader):
    first = feed_tokens.private_feed_url_for(reader, publication)
    assert feed_tokens.private_feed_url_for(reader, publication) == first
    token = first.rstrip("/").rsplit("/", 1)[1]
    row = FeedToken.objects.get(person=reader, publication=publication)
    assert row.token_hash == feed_tokens.hash_token(token)
    assert token not in row.token_hash
    assert first.startswith("http://") and "/feed/private/" in first


def test_rotating_ends_the_old_address(client, publication, reader, grant, paid_posts):
    old = private_path(reader, publication)
    new_token = feed_tokens.rotate_feed_token(reader, publication)
    assert client.get(old).status_code == 404
    assert client.get(f"/feed/private/{new_token}/").status_code == 200
    assert private_path(reader, publication) == f"/feed/private/{new_token}/"


def test_a_token_of_one_publication_does_not_open_another(client, publication, reader, grant):
    other = make_publication(name="Other", slug="other")
    make_post(other, "Other's paid", audience=Audience.PAID, body=PAID_BODY)
    token = feed_tokens.feed_token_for(reader, publication)
    assert client.get(f"/pub/other/feed/private/{token}/").status_code == 404
    assert client.get(f"/pub/{publication.slug}/feed/private/{token}/").status_code == 200


@pytest.mark.parametrize("token", ["x" * 43, "short", "a" * 500, "%00" * 43, "é" * 43])
def test_unknown_or_malformed_tokens_are_404(client, publication, token):
    assert client.get(f"/feed/private/{token}/").status_code == 404


def test_private_feed_of_a_deactivated_person_is_404(client, publication, reader, grant):
    path = private_path(reader, publication)
    reader.is_active = False
    reader.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404


def test_private_feed_costs_a_fixed_number_of_queries(
    client, publication, reader, grant, django_assert_max_num_queries
):
    for index in range(25):
        audience = [Audience.EVERYONE, Audience.SUBSCRIBERS, Audience.PAID][index % 3]
        make_post(publication, f"Post {index}", audience=audience)
    path = private_path(reader, publication)
    with django_assert_max_num_queries(9):
        assert client.get(path).status_code == 200


def test_rotate_view_gives_a_paying_reader_a_new_address(client, publication, reader, grant):
    old = private_path(reader, publication)
    client.force_login(reader)
    response = client.post(f"/feed/private-rotate/{publication.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/account/#private-feed-{publication.id}"
    assert client.get(old).status_code == 404


def test_rotate_view_refuses_readers_without_paid_access(client, publication, reader):
    client.force_login(reader)
    assert client.post(f"/feed/private-rotate/{publication.slug}/").status_code == 403
    assert not FeedToken.objects.exists()


def test_rotate_view_asks_anonymous_visitors_to_sign_in(client, publication):
    response = client.post(f"/feed/private-rotate/{publication.slug}/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_rotate_view_of_an_unknown_publication_is_404(client, publication, reader):
    client.force_login(reader)
    assert client.post("/feed/private-rotate/no-such-publication/").status_code == 404


def test_rotate_view_refuses_get(client, publication, reader, grant):
    client.force_login(reader)
    assert client.get(f"/feed/private-rotate/{publication.slug}/").status_code == 405


def test_private_feed_snippet_shows_the_address_and_a_rotate_form(publication, reader):
    url = feed_tokens.private_feed_url_for(reader, publication)
    request = RequestFactory().get("/account/")
    request.user = reader
    html = render_to_string(
        "discovery/_private_feed.html",
        {"publication": publication, "private_feed_url": url},
        request=request,
    )
    assert f'value="{url}"' in html
    assert f'action="/feed/private-rotate/{publication.slug}/"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Get a new address" in html
    empty = render_to_string("discovery/_private_feed.html", {"publication": publication})
    assert empty.strip() == ""


def test_a_free_subscribers_private_feed_gives_only_previews(client, publication, paid_posts):
    stranger = make_person()
    response = client.get(private_path(stranger, publication))
    assert response.status_code == 200
    assert SENTENCE not in response.content.decode()
    assert b"secret.mp3" not in response.content


def test_the_account_page_gives_a_reader_with_paid_access_their_private_feed(client, publication):
    from masthead.billing.comps import grant_comp
    from masthead.subscriptions.models import Subscription

    reader = make_person(email="comped@example.com")
    Subscription.objects.create(publication=publication, person=reader, status="active")
    free = make_person(email="free@example.com")
    Subscription.objects.create(publication=publication, person=free, status="active")
    grant_comp(publication, reader.email, months=None, granted_by=None)

    client.force_login(reader)
    page = client.get("/account/").content.decode()
    client.force_login(free)
    free_page = client.get("/account/").content.decode()

    assert "/feed/private/" in page and "Get a new address" in page
    assert "/feed/private/" not in free_page
