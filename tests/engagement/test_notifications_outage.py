"""Comment emails wait out a mail server outage: the digest and the reply note arrive once after."""

import datetime as dt

import pytest
import time_machine

from tests.engagement.conftest import comment_on, signed_in
from tests.factories import make_person
from tests.relay import relay_down

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def test_a_digest_and_a_reply_met_by_an_outage_arrive_once_when_the_relay_is_back(
    post, author, reader, reader_client, smtp_sink, run_worker, django_capture_on_commit_callbacks
):
    with relay_down(smtp_sink):
        with at(0), django_capture_on_commit_callbacks(execute=True):
            commenter = signed_in(make_person(name="Carl Commenter"))
            assert comment_on(commenter, post, "First point").status_code == 302
            assert comment_on(reader_client, post, "Reader's point").status_code == 302
        with at(0), django_capture_on_commit_callbacks(execute=True):
            parent = post.comments.get(body_markdown="Reader's point")
            assert comment_on(commenter, post, "A reply", parent=parent).status_code == 302
        with at(6):  # the digest is due; every email meets a closed port
            run_worker()
        assert smtp_sink.messages == []

    with at(12):
        run_worker()
    with at(30):
        run_worker()

    digests = smtp_sink.to(author.email)
    assert len(digests) == 1
    assert "First point" in digests[0].text and "A reply" in digests[0].text
    assert len(smtp_sink.to(reader.email)) == 1
