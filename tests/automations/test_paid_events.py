"""Paid-upgrade and win-back emails follow the reader's paid subscription, read by scanning."""

import datetime as dt

import pytest
import time_machine

from masthead.automations.services import run_due_automations
from masthead.billing.models import PaidSubscription, Plan, PlanInterval
from masthead.delivery.models import Delivery
from tests.automations.conftest import automation_mail, confirmed_subscriber, make_email

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def reader_subscription(publication):
    with time_machine.travel(START - dt.timedelta(days=10), tick=False):
        return confirmed_subscriber(publication, "payer@example.com")


@pytest.fixture
def paid_emails(publication):
    with time_machine.travel(START - dt.timedelta(days=5), tick=False):
        return {
            "upgrade": make_email(publication, kind="paid_upgrade", subject="Thanks for paying"),
            "win_back": make_email(
                publication, kind="win_back", delay_days=2, subject="We miss you"
            ),
        }


def start_paying(subscription, at) -> PaidSubscription:
    plan = Plan.objects.create(
        publication=subscription.publication,
        interval=PlanInterval.MONTH,
        name="Monthly",
        amount=500,
        currency="usd",
        stripe_plan_id=f"plan_{subscription.id}",
    )
    return PaidSubscription.objects.create(
        subscription=subscription,
        plan=plan,
        stripe_subscription_id=f"sub_{subscription.id}",
        status="active",
        started_at=at,
    )


def sent_to(subject: str) -> list[str]:
    return list(Delivery.objects.filter(send__subject=subject).values_list("email", flat=True))


def test_starting_a_paid_subscription_sends_the_upgrade_email_once(
    reader_subscription, paid_emails, smtp_sink, run_worker
):
    with time_machine.travel(START, tick=True):
        assert run_due_automations() == 0  # a free subscriber: nothing
        start_paying(reader_subscription, START)
        assert run_due_automations() == 1
        assert run_due_automations() == 0
        run_worker()
    (message,) = automation_mail(smtp_sink, "Thanks for paying")
    assert message.envelope_to == ["payer@example.com"]
    assert automation_mail(smtp_sink, "We miss you") == []


def test_a_paid_subscription_that_ends_brings_the_win_back_email_after_its_delay(
    reader_subscription, paid_emails
):
    with time_machine.travel(START, tick=False):
        paid = start_paying(reader_subscription, START)
        run_due_automations()
    ended = START + dt.timedelta(days=30)
    PaidSubscription.objects.filter(id=paid.id).update(status="canceled", ended_at=ended)
    with time_machine.travel(ended + dt.timedelta(days=1), tick=False):
        assert run_due_automations() == 0
    with time_machine.travel(ended + dt.timedelta(days=2, minutes=1), tick=False):
        assert run_due_automations() == 1
    assert sent_to("We miss you") == ["payer@example.com"]


def test_a_reader_paying_again_before_the_win_back_is_due_does_not_get_it(
    reader_subscription, paid_emails
):
    with time_machine.travel(START, tick=False):
        paid = start_paying(reader_subscription, START)
    ended = START + dt.timedelta(days=30)
    PaidSubscription.objects.filter(id=paid.id).update(status="canceled", ended_at=ended)
    PaidSubscription.objects.filter(id=paid.id).update(status="active", ended_at=None)
    with time_machine.travel(ended + dt.timedelta(days=3), tick=False):
        run_due_automations()
    assert sent_to("We miss you") == []


def test_a_payment_that_never_went_through_sends_no_upgrade_email(reader_subscription, paid_emails):
    with time_machine.travel(START, tick=False):
        paid = start_paying(reader_subscription, START)
        PaidSubscription.objects.filter(id=paid.id).update(status="incomplete")
        assert run_due_automations() == 0
