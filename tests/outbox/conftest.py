import pytest

from masthead.outbox.events import EVENT_TYPES
from masthead.outbox.models import WebhookEndpoint
from tests.outbox.receiver import Receiver


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    with Receiver() as running:
        yield running


@pytest.fixture
def endpoint(publication, receiver):
    return WebhookEndpoint.objects.create(
        publication=publication,
        url=receiver.url,
        event_types=list(EVENT_TYPES),
        secret="whsec_test_secret",
    )
