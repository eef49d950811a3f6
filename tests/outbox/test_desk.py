"""The webhooks desk: owners and admins only; the secret shown once; deliveries and attempts."""

import pytest
from django.urls import reverse

from masthead.outbox.models import WebhookDelivery, WebhookEndpoint
from masthead.outbox.services import dispatch_pending
from masthead.publications.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.urls("tests.outbox.urls")


@pytest.fixture
def owner(publication, client):
    person = factories.make_person("Olive Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    client.force_login(person)
    return person


def endpoints_url(publication):
    return reverse("desk:outbox:desk_endpoints", args=[publication.slug])


def test_owner_adds_an_endpoint_and_sees_the_secret_once(client, owner, publication, receiver):
    response = client.post(
        endpoints_url(publication),
        {"url": receiver.url, "event_types": ["post.published", "comment.added"]},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(publication=publication)
    assert endpoint.event_types == ["post.published", "comment.added"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    listing = client.get(endpoints_url(publication)).content.decode()
    assert endpoint.url in listing and endpoint.secret not in listing
    detail = client.get(
        reverse("desk:outbox:desk_endpoint_detail", args=[publication.slug, endpoint.id])
    ).content.decode()
    assert endpoint.secret not in detail


def test_a_private_url_is_refused_with_a_message(client, owner, publication, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    response = client.post(
        endpoints_url(publication), {"url": "http://127.0.0.1/", "event_types": ["post.published"]}
    )
    assert response.status_code == 400
    assert "private" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_bad_input_is_a_400_with_messages(client, owner, publication):
    response = client.post(
        endpoints_url(publication), {"url": "gopher://x", "event_types": ["nope"]}
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_test_event_is_delivered_and_its_attempt_shown(
    client, owner, publication, endpoint, receiver
):
    receiver.script = [503]
    response = client.post(
        reverse("desk:outbox:desk_endpoint_test", args=[publication.slug, endpoint.id])
    )
    assert response.status_code == 302
    assert WebhookDelivery.objects.get().event.type == "webhook.test"
    dispatch_pending()
    assert len(receiver.requests) == 1
    page = client.get(
        reverse("desk:outbox:desk_endpoint_detail", args=[publication.slug, endpoint.id])
    ).content.decode()
    assert "webhook.test" in page and "HTTP 503" in page and "<th" in page


def test_pause_and_delete(client, owner, publication, endpoint):
    client.post(reverse("desk:outbox:desk_endpoint_toggle", args=[publication.slug, endpoint.id]))
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    client.post(reverse("desk:outbox:desk_endpoint_delete", args=[publication.slug, endpoint.id]))
    assert not WebhookEndpoint.objects.exists()


def test_authors_may_not_manage_webhooks(client, publication, endpoint):
    author = factories.make_person()
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    client.force_login(author)
    assert client.get(endpoints_url(publication)).status_code == 403
    delete = reverse("desk:outbox:desk_endpoint_delete", args=[publication.slug, endpoint.id])
    assert client.post(delete).status_code == 403
    assert WebhookEndpoint.objects.filter(id=endpoint.id).exists()


def test_strangers_get_404_and_endpoints_of_other_publications_are_hidden(
    client, owner, publication, reader
):
    other = factories.make_publication()
    foreign = WebhookEndpoint.objects.create(
        publication=other, url="https://example.com/", event_types=["post.published"], secret="s"
    )
    url = reverse("desk:outbox:desk_endpoint_delete", args=[publication.slug, foreign.id])
    assert client.post(url).status_code == 404
    client.force_login(reader)
    assert client.get(endpoints_url(publication)).status_code == 404
    assert WebhookEndpoint.objects.filter(id=foreign.id).exists()
