import pytest
from django.core.management import CommandError, call_command

from masthead.delivery.bounces import record_bounce
from masthead.delivery.models import Send, SendState
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(publication, subscribers):
    return create_send(factories.make_post(publication, "Hello", status=PostStatus.DRAFT))


def test_sends_lists_each_send_with_its_counts(send, capsys):
    call_command("sends")

    output = capsys.readouterr().out
    assert f"{send.id:>5}  sending" in output
    assert "The Daily Build: Hello" in output


def test_sends_pauses_resumes_and_cancels(send, capsys):
    call_command("sends", "--pause", str(send.id))
    assert Send.objects.get().state == SendState.PAUSED

    call_command("sends", "--resume", str(send.id))
    assert Send.objects.get().state == SendState.SENDING

    call_command("sends", "--cancel", str(send.id))
    assert Send.objects.get().state == SendState.CANCELLED


def test_sends_refuses_to_resume_a_cancelled_send(send):
    call_command("sends", "--cancel", str(send.id))

    with pytest.raises(CommandError, match="cancelled; it cannot be resumed"):
        call_command("sends", "--resume", str(send.id))


def test_sends_watch_ends_when_the_send_is_done(send, smtp_sink, run_worker, capsys):
    run_worker()

    call_command("sends", "--watch", str(send.id))

    assert "3/3" in capsys.readouterr().out


def test_sends_lists_a_hard_bounce_as_bounced_not_sent(send, smtp_sink, run_worker, capsys):
    run_worker()
    record_bounce("reader1@example.com", "hard", detail="550 5.1.1 user unknown")

    call_command("sends")

    header, row = capsys.readouterr().out.splitlines()[:2]
    counts = dict(zip(header.split()[2:7], row.split()[2:7], strict=True))
    assert counts == {"RECIPIENTS": "3", "QUEUED": "0", "SENT": "2", "FAILED": "0", "BOUNCED": "1"}
