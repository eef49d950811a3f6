"""A provider's per-minute limit: no more messages in a minute than allowed, and nothing lost."""

import datetime as dt

import pytest
import time_machine
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from masthead.delivery.models import Delivery, DeliveryState
from masthead.delivery.services.fan_out import create_send
from masthead.delivery.services.send_task import work_on_send
from masthead.delivery.tasks import run_send
from masthead.posts.models import PostStatus
from tests import factories

pytestmark = pytest.mark.django_db

MINUTE = dt.datetime(2026, 5, 4, 10, 30, 10, tzinfo=dt.UTC)


def sent_count() -> int:
    return Delivery.objects.filter(state=DeliveryState.SENT).count()


def test_a_send_keeps_to_the_rate_per_minute_and_finishes_in_the_next_minute(
    publication, subscribers, settings, smtp_sink
):
    settings.DELIVERY_RATE_PER_MINUTE = 2
    with time_machine.travel(MINUTE, tick=False):
        post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
        send = create_send(post)

        outcome = work_on_send(send.id, lambda: run_send.enqueue(send.id))

        assert outcome == "rate limited"
        assert sent_count() == 2 and len(smtp_sink.messages) == 2
        assert not Delivery.objects.filter(state=DeliveryState.SENDING).exists()  # no held claims
        next_minute = MINUTE.replace(second=0) + dt.timedelta(minutes=1)
        waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        assert waiting.filter(run_after=next_minute).exists()  # the successor waits for it

    with time_machine.travel(MINUTE + dt.timedelta(minutes=1), tick=False):
        outcome = work_on_send(send.id, lambda: run_send.enqueue(send.id))

    assert outcome == "done"
    assert sent_count() == 3 and len(smtp_sink.messages) == 3


def test_without_a_limit_everything_goes_at_once(publication, subscribers, settings, smtp_sink):
    settings.DELIVERY_RATE_PER_MINUTE = 0
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    send = create_send(post)

    assert work_on_send(send.id, lambda: run_send.enqueue(send.id)) == "done"
    assert len(smtp_sink.messages) == 3
