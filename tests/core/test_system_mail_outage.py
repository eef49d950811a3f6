"""System mail (confirmations, sign-in links, ...) outlives a mail server outage: retried, never lost."""

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.mail import SMTPSink, use_sink
from tests.relay import relay_down

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def at(seconds: float):
    """Travel to `seconds` after START, with the clock stopped there."""
    return time_machine.travel(START + dt.timedelta(seconds=seconds), tick=False)


def subscribe(client, email):
    return client.post(reverse("subscriptions:subscribe"), {"email": email})


def ask_for_sign_in(client, email):
    return client.post(reverse("accounts:sign_in"), {"email": email})


def links_in(sink, address, path) -> list[str]:
    return [
        url
        for message in sink.to(address)
        for url in re.findall(r"https?://[^\s<>\"']+", message.text)
        if path in url
    ]


def retries_of(task_name: str):
    return DBTaskResult.objects.filter(status="READY", task_path__endswith=f".{task_name}")


def test_confirmations_and_sign_in_links_arrive_once_after_a_60_second_outage(
    client, publication, smtp_sink, run_worker
):
    readers = ["ana@example.com", "ben@example.com"]
    with relay_down(smtp_sink):
        with at(0):
            for email in readers:
                assert subscribe(client, email).status_code == 200
                assert ask_for_sign_in(client, email).status_code == 200
            run_worker()  # every send meets a closed port
        assert smtp_sink.messages == []
        assert retries_of("send_confirmation").count() == 2
        assert retries_of("send_sign_in_link").count() == 2
        with at(5):
            # Ana asks again for both, the relay still down: she is not told to wait.
            again = subscribe(client, "ana@example.com")
            assert "sent a confirmation link" in again.text
            assert ask_for_sign_in(client, "ana@example.com").status_code == 200
            run_worker()
        for second in (15, 45, 50):
            with at(second):
                run_worker()
        assert smtp_sink.messages == []
        assert not DBTaskResult.objects.filter(status="FAILED").exists()

    with at(60 + 5 * 60):  # the relay is back; every backoff has run out
        run_worker()
    with at(60 + 20 * 60):  # nothing more is left to send
        run_worker()

    for email in readers:
        assert len(links_in(smtp_sink, email, "/subscribe/confirm/")) == 1
    assert len(links_in(smtp_sink, "ben@example.com", "/sign-in/")) == 1
    ana_links = links_in(smtp_sink, "ana@example.com", "/sign-in/")
    assert len(ana_links) == 2 and len(set(ana_links)) == 2  # one email per link she asked for
    assert len(smtp_sink.messages) == 2 + 3
    assert not DBTaskResult.objects.filter(status__in=["READY", "FAILED"]).exists()


def test_the_retry_is_a_queued_task_row_that_waits_for_its_backoff(
    client, publication, smtp_sink, run_worker
):
    with relay_down(smtp_sink), at(0):
        ask_for_sign_in(client, "ada@example.com")
        run_worker()

        retry = retries_of("send_sign_in_link").get()
        assert retry.run_after == START + dt.timedelta(seconds=10)
        assert retry.args_kwargs["kwargs"] == {"attempt": 1}

    with at(9):
        run_worker()  # the relay is back, but the retry is not due yet
    assert smtp_sink.messages == []

    with at(10):
        run_worker()
    assert len(smtp_sink.to("ada@example.com")) == 1


def test_the_backoff_grows_then_stays_at_five_minutes(client, publication, smtp_sink, run_worker):
    waits = []
    now = 0
    with relay_down(smtp_sink):
        with at(now):
            ask_for_sign_in(client, "ada@example.com")
            run_worker()
        for _ in range(6):
            retry = retries_of("send_sign_in_link").get()
            waits.append((retry.run_after - START).total_seconds() - now)
            now = (retry.run_after - START).total_seconds()
            with at(now):
                run_worker()

    assert waits == [10, 30, 60, 120, 300, 300]


def test_a_sign_in_link_that_expired_during_the_outage_is_dropped_with_a_log_line(
    client, publication, smtp_sink, run_worker, caplog
):
    caplog.set_level(logging.INFO, logger="masthead")
    with relay_down(smtp_sink):
        for second in (0, 10):
            with at(second):
                if second == 0:
                    ask_for_sign_in(client, "late@example.com")
                run_worker()

    with at(16 * 60):  # the relay is back, and the link would no longer work
        run_worker()

    assert smtp_sink.messages == []
    assert not retries_of("send_sign_in_link").exists()
    assert any("sign-in link expired" in record.getMessage() for record in caplog.records)


def test_a_reader_whose_confirmation_failed_is_not_told_to_wait_and_gets_it_later(
    client, publication, smtp_sink, run_worker
):
    with relay_down(smtp_sink):
        with at(0):
            subscribe(client, "rita@example.com")
            run_worker()
        with at(30):
            response = subscribe(client, "rita@example.com")

            assert response.status_code == 200
            assert "sent a confirmation link" in response.text
            run_worker()

    with at(6 * 60):
        run_worker()

    links = links_in(smtp_sink, "rita@example.com", "/subscribe/confirm/")
    assert len(links) == 1
    assert client.post(re.sub(r"^https?://[^/]+", "", links[0])).status_code == 200
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE


def test_once_a_confirmation_left_asking_again_at_once_sends_no_second_one(
    client, publication, smtp_sink, run_worker
):
    with at(0):
        first = subscribe(client, "rita@example.com")
        run_worker()
    with at(60):
        response = subscribe(client, "rita@example.com")
        run_worker()

    # The page reads the same as the first time (it never tells who is waiting); the mail does not.
    assert response.status_code == 200 and response.text == first.text
    assert len(smtp_sink.to("rita@example.com")) == 1


def test_a_confirmation_for_a_subscription_confirmed_meanwhile_is_not_sent(
    client, publication, smtp_sink, run_worker
):
    with relay_down(smtp_sink), at(0):
        subscribe(client, "quick@example.com")
        run_worker()
    # Confirmed another way (the desk, an import) while the email waited for the relay.
    Subscription.objects.update(status=SubscriptionStatus.ACTIVE)

    with at(60):
        run_worker()

    assert not links_in(smtp_sink, "quick@example.com", "/subscribe/confirm/")


class GreylistingSink(SMTPSink):
    """Answers 451 (try again later) to each address's first RCPT TO, then takes the mail."""

    def __init__(self):
        super().__init__()
        self.seen: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() not in self.seen:
            self.seen.add(address.lower())
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class RejectingSink(SMTPSink):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 No such user here"


@pytest.fixture
def start_sink(settings):
    """Start a sink of the test's own kind and point the install's mail at it."""
    started = []

    def start(sink: SMTPSink) -> SMTPSink:
        use_sink(settings, sink).controller.start()
        started.append(sink)
        return sink

    yield start
    for sink in started:
        sink.controller.stop()


def test_a_temporary_refusal_is_retried(client, publication, start_sink, run_worker):
    sink = start_sink(GreylistingSink())
    with at(0):
        ask_for_sign_in(client, "grey@example.com")
        run_worker()
    assert sink.messages == []

    with at(10):
        run_worker()

    assert len(sink.to("grey@example.com")) == 1


def test_a_permanent_refusal_is_logged_and_dropped(
    client, publication, start_sink, run_worker, caplog
):
    caplog.set_level(logging.INFO, logger="masthead")
    start_sink(RejectingSink())
    with at(0):
        ask_for_sign_in(client, "nobody@example.com")
        run_worker()

    assert not retries_of("send_sign_in_link").exists()
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
    assert any("refused the message for good" in record.getMessage() for record in caplog.records)


def test_a_reward_email_met_by_an_outage_is_sent_once_when_the_relay_is_back(
    publication, smtp_sink, run_worker
):
    from masthead.referrals.models import RewardGrant
    from masthead.referrals.services import referral_code_for, save_reward_tiers
    from tests.factories import make_person
    from tests.referrals.conftest import confirm, refer, sign_up

    referrer = make_person(name="Rhea Referrer", email="rhea@example.com")
    save_reward_tiers(publication, [{"threshold": 1, "kind": "custom", "description": "A mug"}])
    with relay_down(smtp_sink):
        with at(0):
            confirm(sign_up(publication, referrer.email))
            refer(publication, referral_code_for(publication, referrer).code, "one@example.com")
            run_worker()
        assert RewardGrant.objects.get().emailed_at is None  # the claim was given back

    with at(60):
        run_worker()
    with at(20 * 60):
        run_worker()

    assert RewardGrant.objects.get().emailed_at is not None
    rewards = [m for m in smtp_sink.to(referrer.email) if "reward" in m.subject]
    assert len(rewards) == 1
    assert len([m for m in smtp_sink.to("one@example.com") if "Welcome" in m.subject]) == 1
