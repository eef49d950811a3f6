"""The demo's ports: a taken one ends with one line naming it and what to change; the mail sink
moves out of the way of another demo, Mailpit or MailHog instead."""

import socket

import pytest

from masthead.demo import runner
from masthead.demo.ports import PortTaken, check_demo_ports, choose_sink_port, is_port_free


@pytest.fixture
def listening():
    """Listen on a free port, as another program would; yields the port."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def test_a_port_something_listens_on_is_not_free(listening):
    assert not is_port_free("127.0.0.1", listening)


def test_a_taken_web_port_is_named_with_the_settings_that_change_it(listening):
    with pytest.raises(PortTaken) as raised:
        check_demo_ports("127.0.0.1", listening)

    message = str(raised.value)
    assert str(listening) in message and "PORT=" in message and "--port" in message
    assert "\n" not in message


def test_a_taken_chat_port_is_named_as_port_plus_one(listening):
    with pytest.raises(PortTaken, match=rf"port {listening}, the chat server's \(PORT\+1\)"):
        check_demo_ports("127.0.0.1", listening - 1)


def test_the_sink_takes_another_port_when_port_plus_two_is_taken(listening):
    port = choose_sink_port("127.0.0.1", listening - 2, configured="")

    assert port != listening and is_port_free("127.0.0.1", port)


def test_a_sink_port_asked_for_must_be_free(listening):
    with pytest.raises(PortTaken, match=rf"port {listening}.*MASTHEAD_MAIL_SINK_PORT"):
        choose_sink_port("127.0.0.1", 8000, configured=str(listening))


@pytest.fixture
def demo_run(monkeypatch, tmp_path):
    """run_demo with the setup steps and the processes replaced by a record of what it ran."""
    environment = {"MASTHEAD_DATA_DIR": str(tmp_path)}
    monkeypatch.setattr(runner.os, "environ", environment)
    monkeypatch.setattr(runner.subprocess, "call", lambda command: 0)
    seen = {}

    def supervise(commands, host, port, make_banner, started=None):
        seen.update(commands=commands, environment=dict(environment))
        return 0

    monkeypatch.setattr(runner, "supervise", supervise)
    return environment, seen


def free_demo_port() -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if all(is_port_free("127.0.0.1", p) for p in (port, port + 1, port + 2)):
            return port
    raise AssertionError("no three free ports in a row")


def test_the_web_and_worker_send_to_the_port_the_sink_got(demo_run, listening):
    environment, seen = demo_run

    assert runner.run_demo(["--port", str(listening - 2)]) == 0

    sink_port = seen["environment"]["MASTHEAD_MAIL_SINK_PORT"]
    assert sink_port != str(listening)  # PORT+2 was taken: another one
    assert "mailsink" in seen["commands"]


def test_the_demo_starts_no_sink_when_mail_goes_to_a_relay(demo_run):
    environment, seen = demo_run
    environment["MASTHEAD_SMTP_URL"] = "smtp://relay.example.com:587"

    assert runner.run_demo(["--port", str(free_demo_port())]) == 0

    assert "mailsink" not in seen["commands"]
    assert "MASTHEAD_MAIL_SINK_PORT" not in seen["environment"]


def test_commands_beside_the_demo_get_its_key_and_sink_port(demo_run, tmp_path, monkeypatch):
    from masthead import cli

    runner.run_demo(["--port", str(free_demo_port())])
    demo_environment = dict(runner.os.environ)
    beside = {"MASTHEAD_DATA_DIR": str(tmp_path)}
    monkeypatch.setattr(cli.os, "environ", beside)

    cli.load_demo_environment()

    assert beside["MASTHEAD_SECRET_KEY_FILE"] == str(tmp_path / "secret_key")
    assert beside["MASTHEAD_MAIL_SINK_PORT"] == demo_environment["MASTHEAD_MAIL_SINK_PORT"]


def test_a_secret_key_given_directly_wins_over_the_demos(demo_run, tmp_path, monkeypatch):
    from masthead import cli

    runner.run_demo(["--no-serve"])
    beside = {"MASTHEAD_DATA_DIR": str(tmp_path), "MASTHEAD_SECRET_KEY": "mine"}
    monkeypatch.setattr(cli.os, "environ", beside)

    cli.load_demo_environment()

    assert "MASTHEAD_SECRET_KEY_FILE" not in beside
