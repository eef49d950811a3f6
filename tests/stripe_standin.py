"""localstripe, the stateful fake Stripe server, as the tests' Stripe: one process per test
session on a free loopback port; each test starts with an empty store. Webhook events are
signed here exactly as Stripe signs them (Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of
"t.payload" with the endpoint secret>)."""

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "sk_test_masthead"
PUBLISHABLE_KEY = "pk_test_masthead"
WEBHOOK_SECRET = "whsec_test_masthead"


def is_installed() -> bool:
    return shutil.which("localstripe") is not None or _module_available()


def _module_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("localstripe") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStripe:
    """One localstripe process for the session, started again (on a new port) if it has died,
    so one lost process fails no later test; why it died is in its log."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.base = ""
        # Open for the whole session: every start of the process appends to it.
        self.log = tempfile.NamedTemporaryFile(prefix="localstripe-", suffix=".log", delete=False)  # noqa: SIM115

    def ensure_running(self) -> str:
        if self.process is None or self.process.poll() is not None:
            if self.process is not None:
                print(
                    f"localstripe had stopped (exit {self.process.returncode}); see {self.log.name}"
                )
            self._start()
        return self.base

    def _start(self) -> None:
        port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.localstripe_plus", "--port", str(port)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # out of reach of signals sent to the tests' process group
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/js.stripe.com/v3/", timeout=1).read(1)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"localstripe did not start; see {self.log.name}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def running_localstripe():
    """A LocalStripe for the block; stopped after it."""
    server = LocalStripe()
    try:
        server.ensure_running()
        yield server
    finally:
        server.stop()


def flush(base: str) -> None:
    request = urllib.request.Request(f"{base}/_config/data", method="DELETE")
    urllib.request.urlopen(request, timeout=5).read()


def set_subscription_status(base: str, subscription_id: str, status: str) -> None:
    """Play Stripe's clock: a renewal failed (past_due), dunning ran out (unpaid), ..."""
    request = urllib.request.Request(
        f"{base}/_test/subscriptions/{subscription_id}/status",
        data=f"status={status}".encode(),
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).read()


def confirm_setup_intent(base: str, client_secret: str, number: str = "4242424242424242"):
    """What Stripe.js does in the browser when the reader submits their card."""
    intent_id = client_secret.split("_secret_")[0]
    body = {
        "key": PUBLISHABLE_KEY,
        "use_stripe_sdk": True,
        "client_secret": client_secret,
        "payment_method_data": {
            "type": "card",
            "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
        },
    }
    request = urllib.request.Request(
        f"{base}/v1/setup_intents/{intent_id}/confirm",
        data=json.dumps(body).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def signed_event(event: dict, *, secret: str = WEBHOOK_SECRET, at: int | None = None):
    """The body and Stripe-Signature header Stripe would send for this event."""
    payload = json.dumps(event)
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return payload, f"t={timestamp},v1={digest}"


def event(event_type: str, data_object: dict, *, event_id: str = "", created: int | None = None):
    """An event in Stripe's documented shape."""
    created = int(time.time()) if created is None else created
    return {
        "id": event_id
        or f"evt_{hashlib.sha1(f'{event_type}{time.time_ns()}'.encode()).hexdigest()[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "type": event_type,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": data_object},
    }
