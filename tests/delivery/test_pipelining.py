"""SMTP pipelining (RFC 2920): with a relay that offers it, each message's envelope goes out
ahead, behind the previous message's data, and every recipient's outcome stays its own."""

import binascii
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from masthead.delivery.messages import UNSUBSCRIBE_URL, EncodedPart
from masthead.delivery.models import Delivery, DeliveryState, Send
from masthead.delivery.services.fan_out import create_send
from masthead.delivery.services.sending import deliver_batch
from masthead.delivery.transport import RecipientRefused, SMTPTransport, open_transport
from masthead.posts.models import PostStatus
from tests import factories
from tests.conftest import require_service
from tests.delivery.conftest import add_subscriber
from tests.delivery.sinks import RefusingSink
from tests.mail import running_sink, use_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(publication):
    return factories.make_post(publication, "Big news", status=PostStatus.DRAFT, body="Hello.")


class PipeliningSink(RefusingSink):
    """RefusingSink offering PIPELINING; answers the final "." of listed addresses with a 554,
    and keeps every command it was sent, in order."""

    def __init__(self, refused=(), refused_at_data=()):
        super().__init__(set(refused))
        self.refused_at_data = set(refused_at_data)
        self.commands: list[str] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        self.commands.append(f"MAIL {address}")
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if set(envelope.rcpt_tos) & self.refused_at_data:
            return "554 5.7.1 Message refused"
        return await super().handle_DATA(server, session, envelope)


def message(n: int) -> bytes:
    return f"Subject: {n}\r\nTo: r{n}@example.com\r\n\r\n.line {n}\r\n".encode()


def test_the_transport_pipelines_when_the_relay_offers_it(settings):
    with running_sink(settings, PipeliningSink()) as sink:
        transport = open_transport()
        assert transport.pipelines
        first, second = message(1), message(2)
        transport.send("from@example.org", "r1@example.com", first, then=(
            "from@example.org", "r2@example.com", second))  # fmt: skip
        assert transport.announced is not None  # r2's envelope went out behind r1's data
        transport.send("from@example.org", "r2@example.com", second)
        transport.close()
    assert [m.envelope_to for m in sink.messages] == [["r1@example.com"], ["r2@example.com"]]
    assert sink.messages[0].raw.endswith(b".line 1\r\n")  # dot-stuffed, then unstuffed


def test_an_announced_envelope_never_sent_delivers_nothing(settings):
    """A batch interrupted after announcing the next message: the connection is replaced, and
    the announced recipient gets no empty message."""
    with running_sink(settings, PipeliningSink()) as sink:
        transport = open_transport()
        transport.send("from@example.org", "r1@example.com", message(1), then=(
            "from@example.org", "r2@example.com", message(2)))  # fmt: skip
        transport.send("from@example.org", "r3@example.com", message(3))
        transport.send("from@example.org", "r4@example.com", message(4), then=(
            "from@example.org", "r5@example.com", message(5)))  # fmt: skip
        transport.close()
        time.sleep(0.2)
    received = [address for m in sink.messages for address in m.envelope_to]
    assert received == ["r1@example.com", "r3@example.com", "r4@example.com"]


def test_refusals_in_a_pipelined_batch_stay_each_recipients_own(settings, publication, draft):
    """550 at RCPT for one reader and 554 at the final "." for another, with envelopes written
    ahead: those two are recorded as bounced, every other reader gets one copy."""
    readers = [f"reader{n}@example.com" for n in range(12)]
    for address in readers:
        add_subscriber(publication, address)
    send = create_send(draft)
    sink = PipeliningSink(refused={readers[3]}, refused_at_data={readers[7]})
    with running_sink(settings, sink):
        result = deliver_batch(Send.objects.get(id=send.id), "test-worker", 50)
    assert (result.sent, result.bounced) == (10, 2)
    received = sorted(address for m in sink.messages for address in m.envelope_to)
    assert received == sorted(set(readers) - {readers[3], readers[7]})
    states = dict(Delivery.objects.filter(send=send).values_list("email", "state"))
    assert states[readers[3]] == states[readers[7]] == DeliveryState.BOUNCED
    assert {states[a] for a in readers if a not in (readers[3], readers[7])} == {DeliveryState.SENT}


def test_a_refusal_at_the_final_dot_keeps_the_next_envelope(settings):
    with running_sink(settings, PipeliningSink(refused_at_data={"r1@example.com"})) as sink:
        transport = open_transport()
        with pytest.raises(RecipientRefused) as refused:
            transport.send("from@example.org", "r1@example.com", message(1), then=(
                "from@example.org", "r2@example.com", message(2)))  # fmt: skip
        assert refused.value.kind == RecipientRefused.BOUNCE
        transport.send("from@example.org", "r2@example.com", message(2))
        transport.close()
    assert [m.envelope_to for m in sink.messages] == [["r2@example.com"]]


def test_quoted_printable_parts_keep_their_values_and_line_lengths():
    url = "https://example.com/unsubscribe/" + "t" * 150 + "=/"
    text = ("x" * 75 + " ") * 3 + UNSUBSCRIBE_URL + "é\r\nend " + UNSUBSCRIBE_URL
    encoded = EncodedPart(text, (UNSUBSCRIBE_URL,)).fill({UNSUBSCRIBE_URL: url})
    decoded = binascii.a2b_qp(encoded).decode().replace("\r\n", "\n")
    assert decoded == text.replace(UNSUBSCRIBE_URL, url).replace("\r\n", "\n")
    assert max(len(line) for line in encoded.split(b"\r\n")) <= 76


SMTP_SINK = Path("/usr/sbin/smtp-sink")


def test_a_batch_through_postfix_smtp_sink(settings, publication, draft, tmp_path):
    """The real thing: Postfix's smtp-sink offers PIPELINING and counts what it receives."""
    require_service(
        SMTP_SINK.exists(), "Postfix's smtp-sink is not installed (apt install postfix)"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = tmp_path / "sink.out"
    command = [str(SMTP_SINK), "-c", *(["-u", "nobody"] if _is_root() else [])]
    sink = subprocess.Popen([*command, f"127.0.0.1:{port}", "100"], stdout=output.open("wb"))
    try:
        _wait_for_port(port)
        use_sink(settings, type("Port", (), {"port": port})())
        for n in range(40):
            add_subscriber(publication, f"reader{n}@example.com")
        send = create_send(draft)
        result = deliver_batch(Send.objects.get(id=send.id), "test-worker", 100)
        assert result.sent == 40
        assert isinstance(open_transport(), SMTPTransport)
        time.sleep(0.3)
        assert b"mesg=40\r" in output.read_bytes()
    finally:
        sink.terminate()
        sink.wait()
    assert not Delivery.objects.filter(send=send).exclude(state=DeliveryState.SENT).exists()


def _is_root() -> bool:
    return os.geteuid() == 0


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("smtp-sink did not start")
