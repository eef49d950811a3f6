"""A welcome sequence reaches a new subscriber on schedule, through the real worker and SMTP."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from masthead.automations.models import AutomationDelivery
from masthead.automations.services import run_due_automations
from masthead.delivery.models import Delivery, DeliveryState, Send, SendKind
from masthead.delivery.services.departed import skip_departed_readers
from masthead.subscriptions.services import unsubscribe
from tests.automations.conftest import automation_mail, confirmed_subscriber, make_email

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sequence(publication):
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        return [
            make_email(publication, delay_days=0, subject="Welcome aboard"),
            make_email(publication, delay_days=3, subject="Our best posts"),
            make_email(publication, delay_days=7, subject="A week in"),
        ]


def test_each_email_arrives_on_its_day_and_not_before(
    publication, sequence, smtp_sink, run_masthead_worker
):
    with time_machine.travel(START, tick=True):
        confirmed_subscriber(publication, "new@example.com")
        run_masthead_worker()
    assert len(automation_mail(smtp_sink, "Welcome aboard")) == 1
    assert automation_mail(smtp_sink, "Our best posts") == []

    with time_machine.travel(START + dt.timedelta(days=2, hours=23), tick=True):
        run_masthead_worker()
    assert automation_mail(smtp_sink, "Our best posts") == []

    with time_machine.travel(START + dt.timedelta(days=3, minutes=1), tick=True):
        run_masthead_worker()
    (message,) = automation_mail(smtp_sink, "Our best posts")
    assert message.envelope_to == ["new@example.com"]
    assert "Our best posts" in message.html
    assert "/unsubscribe/" in message.text
    assert automation_mail(smtp_sink, "A week in") == []
    assert len(automation_mail(smtp_sink, "Welcome aboard")) == 1


def test_no_more_emails_after_unsubscribing(publication, sequence, smtp_sink, run_masthead_worker):
    with time_machine.travel(START, tick=True):
        subscription = confirmed_subscriber(publication, "new@example.com")
        run_masthead_worker()
        unsubscribe(subscription)
    with time_machine.travel(START + dt.timedelta(days=8), tick=True):
        run_masthead_worker()
    assert len(automation_mail(smtp_sink, "Welcome aboard")) == 1
    assert automation_mail(smtp_sink, "Our best posts") == []
    assert automation_mail(smtp_sink, "A week in") == []


def test_a_delivery_written_before_unsubscribing_is_not_sent(
    publication, sequence, smtp_sink, run_worker
):
    with time_machine.travel(START, tick=True):
        subscription = confirmed_subscriber(publication, "new@example.com")
        assert run_due_automations() == 1
        unsubscribe(subscription)
        skip_departed_readers()  # the worker's next round, before any worker sent it
        run_worker()
    assert automation_mail(smtp_sink, "Welcome aboard") == []
    assert Delivery.objects.get(send__kind=SendKind.AUTOMATION).state == DeliveryState.SUPPRESSED


def test_two_runs_send_each_email_once(publication, sequence, smtp_sink, run_worker):
    with time_machine.travel(START, tick=True):
        confirmed_subscriber(publication, "new@example.com")
        assert run_due_automations() == 1
        assert run_due_automations() == 0
        run_worker()
        run_worker()
    assert len(automation_mail(smtp_sink, "Welcome aboard")) == 1
    assert AutomationDelivery.objects.count() == 1
    assert Send.objects.filter(kind=SendKind.AUTOMATION).count() == 1


def test_readers_who_subscribed_before_an_email_existed_do_not_get_it(publication, smtp_sink):
    with time_machine.travel(START - dt.timedelta(days=30), tick=False):
        confirmed_subscriber(publication, "old@example.com")
    with time_machine.travel(START, tick=False):
        make_email(publication, delay_days=0, subject="Welcome aboard")
        confirmed_subscriber(publication, "new@example.com")
        assert run_due_automations() == 1
    assert list(Delivery.objects.values_list("email", flat=True)) == ["new@example.com"]


def test_an_email_added_later_reaches_readers_whose_day_for_it_has_not_come(publication):
    with time_machine.travel(START, tick=False):
        confirmed_subscriber(publication, "recent@example.com")
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        make_email(publication, delay_days=3, subject="Our best posts")
        assert run_due_automations() == 0
    with time_machine.travel(START + dt.timedelta(days=3, minutes=1), tick=False):
        assert run_due_automations() == 1


def test_a_suppressed_address_gets_nothing(publication, sequence):
    from masthead.delivery.services.fan_out import suppress

    with time_machine.travel(START, tick=False):
        confirmed_subscriber(publication, "bounced@example.com")
        suppress("bounced@example.com")
        assert run_due_automations() == 0
    assert not Delivery.objects.exists()


def test_an_inactive_email_is_not_sent(publication):
    with time_machine.travel(START, tick=False):
        make_email(publication, subject="Off", is_active=False)
        confirmed_subscriber(publication, "new@example.com")
        assert run_due_automations() == 0
    assert timezone.now() > START


def test_an_email_that_fails_to_render_does_not_stop_the_others(publication, monkeypatch, caplog):
    from masthead.automations import services

    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        broken = make_email(publication, subject="Broken")
        make_email(publication, subject="Fine")
    real = services.render_automation_email

    def render(email):
        if email.id == broken.id:
            raise ValueError("odd content")
        return real(email)

    monkeypatch.setattr(services, "render_automation_email", render)
    with time_machine.travel(START, tick=False):
        confirmed_subscriber(publication, "new@example.com")
        assert run_due_automations() == 1
    assert list(Send.objects.values_list("subject", flat=True)) == ["Fine"]
    assert "odd content" in caplog.text


def test_turning_an_email_off_and_on_starts_its_clock_again(publication):
    from masthead.automations.services import set_email_active

    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        email = make_email(publication, subject="Welcome aboard")
        set_email_active(email, False)
    with time_machine.travel(START, tick=False):
        confirmed_subscriber(publication, "while-off@example.com")
        assert run_due_automations() == 0
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        set_email_active(email, True)
        assert run_due_automations() == 0  # their day 0 passed while it was off
        confirmed_subscriber(publication, "after@example.com")
        assert run_due_automations() == 1
    assert list(Delivery.objects.values_list("email", flat=True)) == ["after@example.com"]


def test_imported_subscribers_get_no_welcome(publication):
    from masthead.subscriptions.models import Subscription, SubscriptionSource

    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        make_email(publication, subject="Welcome aboard")
    with time_machine.travel(START, tick=False):
        subscription = confirmed_subscriber(publication, "imported@example.com")
        Subscription.objects.filter(id=subscription.id).update(source=SubscriptionSource.IMPORT)
        assert run_due_automations() == 0


def test_a_day_zero_welcome_replaces_the_built_in_one(publication, smtp_sink, run_masthead_worker):
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        make_email(publication, delay_days=0, subject="Welcome aboard")
    with time_machine.travel(START, tick=True):
        confirmed_subscriber(publication, "new@example.com")
        run_masthead_worker()

    to_the_reader = [m for m in smtp_sink.messages if m.envelope_to == ["new@example.com"]]
    subjects = [m.subject for m in to_the_reader if "onfirm" not in m.subject]
    assert subjects == ["Welcome aboard"]


def test_without_a_day_zero_email_the_built_in_welcome_goes(
    publication, smtp_sink, run_masthead_worker
):
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        make_email(publication, delay_days=3, subject="Our best posts")
    with time_machine.travel(START, tick=True):
        confirmed_subscriber(publication, "new@example.com")
        run_masthead_worker()

    to_the_reader = [m for m in smtp_sink.messages if m.envelope_to == ["new@example.com"]]
    subjects = [m.subject for m in to_the_reader if "onfirm" not in m.subject]
    assert subjects == [f"Welcome to {publication.name}"]
