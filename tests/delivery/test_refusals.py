"""What relays answer in the field: a 550 for some recipients, greylisting (451 for five minutes)
for others, and addresses that need IDNA or SMTPUTF8. Every recipient's outcome is its own."""

import datetime as dt
import time

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from masthead.accounts.models import Person
from masthead.delivery.models import Delivery, DeliveryState, Send, SendState, Suppression
from masthead.delivery.services.fan_out import create_send
from masthead.delivery.services.send_task import work_on_send
from masthead.delivery.tasks import run_send
from masthead.posts.models import PostStatus
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories
from tests.delivery.conftest import add_subscriber
from tests.mail import SMTPSink, running_sink

pytestmark = pytest.mark.django_db


class FieldRelay(SMTPSink):
    """550 for unknown users; greylists other listed addresses for `window` seconds from the
    first time it sees them (by the wall clock, which the test moves)."""

    def __init__(self, unknown=(), greylisted=(), window=300, smtputf8=False):
        super().__init__()
        self.unknown = set(unknown)
        self.greylisted = set(greylisted)
        self.window = window
        self.first_seen: dict[str, float] = {}
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8
        )

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        if address in self.greylisted:
            first = self.first_seen.setdefault(address, time.time())
            if time.time() - first < self.window:
                return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def relay(settings, request):
    options = getattr(request, "param", {})
    with running_sink(settings, FieldRelay(**options)) as relay:
        yield relay


def received(relay) -> list[str]:
    return sorted(address for message in relay.messages for address in message.envelope_to)


def run_until_done(send_id: int, traveller, rounds: int = 12) -> None:
    """Run the send task; between runs move the clock to the next retry that is due."""
    for _ in range(rounds):
        work_on_send(send_id, lambda: run_send.enqueue(send_id))
        if Send.objects.get(id=send_id).state == SendState.DONE:
            return
        due = (
            Delivery.objects.filter(send_id=send_id, state=DeliveryState.QUEUED)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        traveller.move_to(max(due, timezone.now()) + dt.timedelta(seconds=1))


@pytest.mark.parametrize(
    "relay",
    [
        {
            "unknown": {"nobody@example.com"},
            "greylisted": {"grey@example.com", "reader1@example.com"},
        }
    ],
    indirect=True,
)
def test_550s_are_suppressed_and_greylisted_recipients_arrive_after_the_window(
    publication, subscribers, relay, settings
):
    settings.DELIVERY_RETRY_SCHEDULE_SECONDS = (60, 300, 900, 3600, 14400, 43200, 86400)
    add_subscriber(publication, "nobody@example.com")
    add_subscriber(publication, "grey@example.com")
    send = create_send(factories.make_post(publication, "Hello", status=PostStatus.DRAFT))

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        run_until_done(send.id, traveller)

    assert Send.objects.get(id=send.id).state == SendState.DONE
    everyone_else = ["grey@example.com", "reader0@example.com", "reader1@example.com"]
    assert received(relay) == sorted([*everyone_else, "reader2@example.com"])
    grey = Delivery.objects.get(send=send, email="grey@example.com")
    assert grey.state == DeliveryState.SENT
    assert grey.attempts == 2  # refused at 0 s and at 60 s; accepted at 360 s
    nobody = Delivery.objects.get(send=send, email="nobody@example.com")
    assert nobody.state == DeliveryState.BOUNCED
    assert nobody.last_error == "550 5.1.1 No such user here"
    assert Suppression.objects.filter(email="nobody@example.com").exists()
    later = create_send(factories.make_post(publication, "Again", status=PostStatus.DRAFT))
    assert not later.deliveries.filter(email="nobody@example.com").exists()


@pytest.mark.parametrize(
    "relay", [{"greylisted": {"reader0@example.com"}, "window": 10**9}], indirect=True
)
def test_a_recipient_greylisted_for_ever_fails_after_more_than_a_day_of_tries(
    publication, subscribers, relay, settings
):
    settings.DELIVERY_RETRY_SCHEDULE_SECONDS = (60, 300, 900, 3600, 14400, 43200, 86400)
    send = create_send(factories.make_post(publication, "Hello", status=PostStatus.DRAFT))
    started = timezone.now()

    with time_machine.travel(started, tick=False) as traveller:
        run_until_done(send.id, traveller)
        given_up_after = timezone.now() - started

    delivery = Delivery.objects.get(send=send, email="reader0@example.com")
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 8
    assert given_up_after > dt.timedelta(days=1)
    assert not Suppression.objects.filter(email="reader0@example.com").exists()
    assert Send.objects.get(id=send.id).state == SendState.DONE


def add_legacy_subscriber(publication, email: str) -> Subscription:
    """An address stored before the door checked addresses (or by another tool)."""
    person = Person.objects.create(email=email)
    return Subscription.objects.create(
        publication=publication,
        person=person,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )


def test_an_idn_domain_is_sent_in_ascii_and_a_utf8_local_part_fails_alone(
    publication, subscribers, relay, run_worker
):
    add_legacy_subscriber(publication, "reader@bücher.example")
    add_legacy_subscriber(publication, "josé@example.com")
    send = create_send(factories.make_post(publication, "Hello", status=PostStatus.DRAFT))

    run_worker()
    run_worker()  # nothing is sent again

    assert received(relay) == [
        "reader0@example.com",
        "reader1@example.com",
        "reader2@example.com",
        "reader@xn--bcher-kva.example",
    ]
    message = next(m for m in relay.messages if m.envelope_to == ["reader@xn--bcher-kva.example"])
    assert message.header("To") == "reader@xn--bcher-kva.example"
    jose = Delivery.objects.get(send=send, email="josé@example.com")
    assert jose.state == DeliveryState.FAILED
    assert "SMTPUTF8" in jose.last_error
    assert Send.objects.get(id=send.id).state == SendState.DONE


@pytest.mark.parametrize("relay", [{"smtputf8": True}], indirect=True)
def test_a_utf8_local_part_is_sent_where_the_relay_offers_smtputf8(
    publication, subscribers, relay, run_worker
):
    add_legacy_subscriber(publication, "josé@example.com")
    send = create_send(factories.make_post(publication, "Hello", status=PostStatus.DRAFT))

    run_worker()

    assert "josé@example.com" in received(relay)
    assert len(relay.messages) == 4
    assert Delivery.objects.get(send=send, email="josé@example.com").state == DeliveryState.SENT
