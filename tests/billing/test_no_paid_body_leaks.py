"""The audit of paid access: the part of a paid post past its paywall reaches the readers with
paid access (paying, comped) and no one else, on any surface: every URL pattern the site has
(found from the resolver, so a new one is checked the day it exists), the newsletter, its test
send, and the page a reader opens from the email."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from masthead.billing import checkout, gateway
from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription
from masthead.chat import services as chat
from masthead.delivery.models import Delivery, Send
from masthead.delivery.services.fan_out import create_test_send
from masthead.delivery.tracking import tracking_token
from masthead.discovery.feed_tokens import feed_token_for
from masthead.engagement.services import add_comment
from masthead.notes import services as notes
from masthead.posts.models import Audience, PostStatus
from masthead.posts.services import publish_post
from masthead.publications import social_cards
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import unsubscribe_token
from tests import stripe_standin
from tests.billing.conftest import card_of, payer, priced  # noqa: F401
from tests.factories import make_person, make_post
from tests.fuzzing.endpoints import build_path, discover_endpoints

pytestmark = pytest.mark.django_db

SENTENCE = "Quillwort ledger seventeen: the paid sentence."
BODY = (
    "An open first paragraph.\n\nAn open second paragraph.\n\n<!-- paywall -->\n\n"
    f"{SENTENCE}\n\nMore for paid readers only."
)
# Readers who must not read it, and readers who must.
WITHOUT_ACCESS = ("anonymous", "free", "outsider", "canceled", "expired")
WITH_ACCESS = ("paying", "comped")
# Not surfaces of a publication: the install's admin (superusers only) and uploaded files.
NOT_READER_SURFACES = ("admin/", "media/")
FALLBACK_VALUES = {"int": "999999", "slug": "x", "str": "x", "path": "x", "uuid": "x"}


def subscribe(publication, person) -> Subscription:
    return Subscription.objects.create(
        publication=publication,
        person=person,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )


def cancel_in_stripe(client, paid) -> None:
    """Stripe ends the subscription and tells the webhook, as it does in production."""
    ended = gateway.client().v1.subscriptions.cancel(paid.stripe_subscription_id).to_dict()
    payload, signature = stripe_standin.signed_event(
        stripe_standin.event("customer.subscription.deleted", ended)
    )
    response = client.post(
        "/billing/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 200


@pytest.fixture
def world(publication, priced, payer, card_of, smtp_sink, run_worker):  # noqa: F811
    owner = make_person("Olive Owner", "olive@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    people = {
        "paying": payer,
        "comped": make_person("Cora Comped", "cora@example.com"),
        "free": make_person("Fred Free", "fred@example.com"),
        "outsider": make_person("Otto Outsider", "otto@example.com"),
        "canceled": make_person("Cass Canceled", "cass@example.com"),
        "expired": make_person("Ezra Expired", "ezra@example.com"),
    }
    checkout.subscribe(payer, priced[0], card_of(payer))
    ended = checkout.subscribe(people["canceled"], priced[1], card_of(people["canceled"]))
    cancel_in_stripe(Client(), ended)
    for who in ("comped", "free", "expired"):
        subscribe(publication, people[who])
    AccessGrant.objects.create(publication=publication, person=people["comped"], kind="comp")
    AccessGrant.objects.create(
        publication=publication,
        person=people["expired"],
        kind=GrantKind.COMP,
        starts_at=timezone.now() - dt.timedelta(days=60),
        ends_at=timezone.now() - dt.timedelta(days=1),
    )

    post = make_post(
        publication, "The paid one", author=owner, status=PostStatus.DRAFT, audience=Audience.PAID,
        body=BODY,
    )  # fmt: skip
    publish_post(post, send_email=True)
    run_worker()
    comment = add_comment(post, payer, "Worth every cent.")
    note = notes.post_note(owner, "New today.", publication=publication, linked_post=post)
    notes.post_note(people["comped"], restack_of_post=post)
    for who in ("free", "outsider", "canceled", "expired"):
        notes.follow(people[who], people["comped"])
        notes.follow(people[who], owner)
    thread, _ = chat.post_thread(
        owner, publication, client_id="audit-thread", body="Read the new post"
    )
    reply, _ = chat.post_reply(
        people["comped"], publication, thread_id=thread.id, client_id="audit-reply", body="Done"
    )
    send = Send.objects.get(post=post)
    free_delivery = Delivery.objects.get(send=send, email=people["free"].email)
    free_subscription = Subscription.objects.get(person=people["free"], publication=publication)
    values = {
        "publication_slug": publication.slug,
        "slug": post.slug,
        "post_id": post.id,
        "comment_id": comment.id,
        "note_id": note.id,
        "person_id": owner.id,
        "thread_id": thread.id,
        "message_id": reply.id,
        "send_id": send.id,
        "action": "pause",
        "index": 0,
        "subscription_id": free_subscription.id,
        "plan_id": priced[0].id,
    }
    tokens = {
        "delivery:track_open": tracking_token(free_delivery.id),
        "delivery:track_click": tracking_token(free_delivery.id),
        "subscriptions:unsubscribe": unsubscribe_token(free_subscription),
        "subscriptions:resubscribe": unsubscribe_token(free_subscription),
        # The private feed of a reader whose paid access has ended: previews only now.
        "discovery:private_feed": feed_token_for(people["expired"], publication),
        "discovery:sitemap_section": "posts",
    }
    versions = {
        "posts:social_card": social_cards.card_version(
            post.title, publication.name, publication.accent_color
        )
    }
    return {
        "publication": publication,
        "post": post,
        "owner": owner,
        "people": people,
        "values": values,
        "endpoint_values": {**tokens, **versions},
        "sink": smtp_sink,
    }


def client_of(world, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world["people"][who])
    return client


def content_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return headers + "\n" + body.decode("utf-8", errors="replace")


def path_of(world, endpoint) -> str:
    values = {}
    for name, kind in endpoint.parameters:
        value = (
            world["endpoint_values"].get(endpoint.name)
            if name in ("token", "version", "section")
            else None
        )
        value = value or world["values"].get(name) or FALLBACK_VALUES.get(kind, "x")
        values[name] = str(value)
    return build_path(endpoint, values)


def reader_endpoints():
    return [
        endpoint
        for endpoint in discover_endpoints()
        if endpoint.is_buildable and not endpoint.route.startswith(NOT_READER_SURFACES)
    ]


# The surfaces this audit names: each must exist, so that a renamed URL cannot drop out of it.
NAMED_SURFACES = [
    "posts:detail", "posts:home", "posts:archive", "posts:social_card", "engagement:comment",
    "notes:publication_notes", "notes:feed", "notes:detail", "notes:person", "chat:room",
    "chat:thread", "publications:about", "desk:post_preview", "desk:post_edit",
    "desk:post_autosave", "desk:post_render_preview", "delivery:desk_post_test_send",
    "discovery:feed", "discovery:feed_atom", "discovery:feed_json", "discovery:section_feed",
    "discovery:author_feed", "discovery:private_feed", "discovery:sitemap",
    "discovery:sitemap_section", "discovery:search",
]  # fmt: skip


def test_the_audit_knows_the_surfaces_it_names():
    names = {endpoint.name for endpoint in reader_endpoints()}

    assert set(NAMED_SURFACES) <= names


@pytest.mark.parametrize("who", WITHOUT_ACCESS)
def test_no_page_shows_the_paid_part_to_a_reader_without_access(world, who):
    client = client_of(world, who)
    fetched = []
    for endpoint in reader_endpoints():
        path = path_of(world, endpoint)
        for query in ("", "?sort=top", "?sort=discussions", "?sort=latest"):
            if query and endpoint.name != "posts:archive":
                continue
            response = client.get(path + query)
            assert SENTENCE not in content_of(response), f"{who} read it at {path}{query}"
            assert "More for paid readers only" not in content_of(response), path
            fetched.append(endpoint.name)
    assert set(NAMED_SURFACES) <= set(fetched)
    assert len(set(fetched)) == len(reader_endpoints())


@pytest.mark.parametrize("who", WITHOUT_ACCESS)
def test_the_post_page_and_its_comment_show_the_preview(world, who):
    client = client_of(world, who)
    post = world["post"]

    page = client.get(f"/p/{post.slug}/")
    comment = client.get(f"/p/{post.slug}/comments/{world['values']['comment_id']}/", follow=True)

    assert page.status_code == 200
    assert "An open second paragraph." in page.content.decode()
    assert "This post is for paid subscribers" in page.content.decode()
    assert SENTENCE not in page.content.decode()
    assert SENTENCE not in comment.content.decode()
    for meta in re.findall(r"<meta [^>]*>", page.content.decode()):
        assert "Quillwort" not in meta


@pytest.mark.parametrize("who", ("outsider", "free", "canceled", "expired"))
def test_desk_pages_and_json_endpoints_refuse_readers(world, who):
    client = client_of(world, who)
    post = world["post"]
    desk = f"/desk/{world['publication'].slug}/posts"

    for response in (
        client.get(f"{desk}/{post.id}/preview/"),
        client.get(f"{desk}/{post.id}/"),
        client.post(f"{desk}/{post.id}/autosave/", {"title": "x", "body_markdown": "x"}),
        client.post(f"{desk}/render/", {"body_markdown": "x"}),
        client.post(f"{desk}/{post.id}/test-email/"),
    ):
        assert response.status_code in (403, 404), response.request["PATH_INFO"]
        assert SENTENCE not in content_of(response)
    post.refresh_from_db()
    assert post.title == "The paid one"
    assert Send.objects.filter(kind="test").count() == 0


@pytest.mark.parametrize("who", ("free", "canceled", "expired"))
def test_the_newsletter_to_a_subscriber_without_access_is_the_preview(world, who):
    (message,) = world["sink"].to(world["people"][who].email)

    for part in (message.html, message.text):
        assert "An open second paragraph." in part
        assert SENTENCE not in part and "More for paid readers only" not in part
    assert "Upgrade to paid" in message.html


def test_readers_who_are_not_subscribed_get_no_newsletter(world):
    assert world["sink"].to(world["people"]["outsider"].email) == []
    assert len(world["sink"].messages) == 5  # paying, comped, free, canceled, expired


@pytest.mark.parametrize("who", WITH_ACCESS)
def test_readers_with_access_read_it_on_the_page_and_in_their_email(world, who):
    client = client_of(world, who)

    page = client.get(f"/p/{world['post'].slug}/")
    (message,) = world["sink"].to(world["people"][who].email)

    assert SENTENCE in page.content.decode()
    assert SENTENCE in message.html and SENTENCE in message.text


@pytest.mark.parametrize(("who", "is_full"), [("free", False), ("paying", True)])
def test_the_view_in_browser_page_follows_the_reader(world, who, is_full):
    (message,) = world["sink"].to(world["people"][who].email)
    link = re.search(r"View in browser: (\S+)", message.text).group(1)

    page = client_of(world, who).get(link.replace("http://127.0.0.1:8000", ""))

    assert page.status_code == 200
    assert (SENTENCE in page.content.decode()) is is_full


def test_the_test_send_is_the_preview(world, run_worker):
    create_test_send(world["post"], world["owner"].email)
    run_worker()

    (message,) = world["sink"].to(world["owner"].email)
    assert "An open second paragraph." in message.html
    assert SENTENCE not in message.html and SENTENCE not in message.text


def test_a_paid_readers_page_is_never_served_to_a_free_reader(world):
    path = f"/p/{world['post'].slug}/"
    seen = client_of(world, "paying").get(path)
    assert SENTENCE in seen.content.decode()

    for who in ("anonymous", "free"):
        response = client_of(world, who).get(path)
        assert SENTENCE not in response.content.decode(), who
        assert "public" not in response.get("Cache-Control", "")


def test_access_ends_when_the_subscription_ends(world):
    """The fixture's canceled reader really went through Stripe's cancellation."""
    paid = PaidSubscription.objects.get(subscription__person=world["people"]["canceled"])

    assert paid.status == "canceled"


@pytest.mark.parametrize("who", ("anonymous", "free"))
def test_the_pages_that_list_the_post_show_its_card_without_the_paid_part(world, who):
    client = client_of(world, who)
    comped = world["people"]["comped"]
    pages = [
        "/",
        "/archive/",
        "/archive/?sort=top",
        "/archive/?sort=discussions",
        "/notes/",
        f"/notes/{world['values']['note_id']}/",
        f"/people/{comped.id}/notes/",  # the comped reader's restack of the post
    ]
    if who != "anonymous":
        pages.append("/notes/feed/")

    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "The paid one" in response.content.decode(), path
        assert SENTENCE not in response.content.decode(), path
