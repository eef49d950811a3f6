"""Each copy of a newsletter is dated when it is sent, not when its send started."""

import datetime as dt
import email
import email.policy
from email.utils import parsedate_to_datetime

import pytest
import time_machine

from masthead.delivery.messages import MessageTemplate
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from tests import factories

pytestmark = pytest.mark.django_db

STARTED = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def date_of(raw: bytes) -> dt.datetime:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return parsedate_to_datetime(str(message["Date"]))


@pytest.fixture
def send(publication, subscribers):
    with time_machine.travel(STARTED, tick=False):
        return create_send(factories.make_post(publication, "News", status=PostStatus.DRAFT))


def test_two_messages_rendered_minutes_apart_carry_their_own_dates(send):
    template = MessageTemplate(send, send.html_template, send.text_template)
    first_at = STARTED + dt.timedelta(minutes=3, seconds=7)
    second_at = STARTED + dt.timedelta(minutes=11, seconds=42)

    with time_machine.travel(first_at, tick=False):
        first = template.render(1, "one@example.com", "https://example.org/u/1/")
    with time_machine.travel(second_at, tick=False):
        second = template.render(2, "two@example.com", "https://example.org/u/2/")

    assert send.started_at == STARTED
    assert date_of(first) == first_at
    assert date_of(second) == second_at


def test_messages_in_the_same_second_share_the_date_and_the_next_second_moves_it(send):
    template = MessageTemplate(send, send.html_template, send.text_template)
    moment = STARTED + dt.timedelta(minutes=5)

    with time_machine.travel(moment, tick=False) as traveller:
        first = template.render(1, "one@example.com", "https://example.org/u/1/")
        traveller.shift(dt.timedelta(milliseconds=400))
        same_second = template.render(2, "two@example.com", "https://example.org/u/2/")
        traveller.shift(dt.timedelta(seconds=1))
        next_second = template.render(3, "three@example.com", "https://example.org/u/3/")

    assert date_of(first) == date_of(same_second) == moment
    assert date_of(next_second) == moment + dt.timedelta(seconds=1)


def test_mail_sent_after_the_send_started_is_not_dated_at_its_start(send, smtp_sink, run_worker):
    later = STARTED + dt.timedelta(minutes=20)

    with time_machine.travel(later):
        run_worker()

    assert len(smtp_sink.messages) == 3
    for message in smtp_sink.messages:
        assert date_of(message.raw) >= later
