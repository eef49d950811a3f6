"""Sending one webhook over HTTP: checking where the URL points, signing the body as Stripe does,
and posting it with a short timeout, no redirects and a capped read. Never raises for anything
the endpoint does; every failure comes back as an `Outcome` with a readable error.

The signature header is `Masthead-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
keyed with the endpoint's secret; receivers check it and reject old timestamps (replays).
"""

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings

SIGNATURE_HEADER = "Masthead-Signature"
USER_AGENT = "Masthead-Webhooks/1.0"
RESPONSE_EXCERPT_BYTES = 500
MAX_URL_CHARS = 2000


class WebhookUrlRefused(ValueError):
    """The URL may not receive webhooks; the message says why, for the writer."""


@dataclass(frozen=True)
class Outcome:
    is_success: bool
    status_code: int | None = None
    error: str = ""
    response_excerpt: str = ""
    duration_ms: int = 0


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5.0))


def allows_private_hosts() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_HOSTS", False))


def sign(secret: str, body: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def is_valid_signature(
    secret: str, body: str, header: str, *, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: recompute the HMAC and refuse a stale timestamp."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > tolerance_seconds:
        return False
    expected = sign(secret, body, int(timestamp)).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL webhooks may use, or WebhookUrlRefused."""
    if len(url) > MAX_URL_CHARS:
        raise WebhookUrlRefused(f"The URL can be at most {MAX_URL_CHARS} characters.")
    if any(char.isspace() or ord(char) < 32 for char in url.strip()):
        raise WebhookUrlRefused("The URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise WebhookUrlRefused("That is not a valid URL.") from error
    if parts.scheme not in ("http", "https"):
        raise WebhookUrlRefused("The URL must start with https:// or http://.")
    if not parts.hostname:
        raise WebhookUrlRefused("The URL has no host name.")
    if parts.username or parts.password:
        raise WebhookUrlRefused("The URL may not carry a user name or password.")
    # http.client sends the request line as ASCII: percent-encode anything else.
    path = quote(parts.path or "/", safe="/:@!$&'()*+,;=%~-._")
    if parts.query:
        path = f"{path}?{quote(parts.query, safe="/:@!$&'()*+,;=%~-._?")}"
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_address(host: str, port: int) -> str:
    """The address to connect to. Every address the name resolves to must be public (unless the
    operator allows private hosts): checked at send time too, so a name that changes to point
    inside the network (DNS rebinding) is caught, and the connection goes to the checked address.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise WebhookUrlRefused(f"The host {host} could not be found.") from error
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise WebhookUrlRefused(f"The host {host} could not be found.")
    if not allows_private_hosts():
        refused = [address for address in addresses if not _is_public(address)]
        if refused:
            raise WebhookUrlRefused(
                f"{host} points at a private, loopback or link-local address ({refused[0]}); "
                "webhooks only go to public addresses."
            )
    return addresses[0]


def check_url(url: str) -> str:
    """The URL, tidied, if webhooks may be sent to it now; WebhookUrlRefused otherwise."""
    url = url.strip()
    _scheme, host, port, _path = _split(url)
    resolve_address(host, port)
    return url


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by then."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self):
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.pinned_address = address

    def connect(self):
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _cut_off(connection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post_event(url: str, secret: str, body: str, *, now: float | None = None) -> Outcome:
    """POST one signed event. Success is a 2xx answer; a redirect is a failure (not followed)."""
    started = time.monotonic()

    def finish(**fields) -> Outcome:
        return Outcome(duration_ms=int((time.monotonic() - started) * 1000), **fields)

    timeout = timeout_seconds()
    try:
        scheme, host, port, path = _split(url)
        address = resolve_address(host, port)
    except WebhookUrlRefused as error:
        return finish(is_success=False, error=str(error))
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=timeout)
    payload = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body, int(now or time.time())),
    }
    # The timeout bounds each read; an endpoint dribbling a byte at a time must not outlast the
    # delivery's claim (another worker would send the event again): cut the whole request off.
    watchdog = threading.Timer(timeout * 2, _cut_off, args=(connection,))
    watchdog.start()
    try:
        connection.request("POST", path, body=payload, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
        status = response.status
    except TimeoutError:
        return finish(is_success=False, error=f"No answer within {timeout:g} s.")
    except ssl.SSLError as error:
        return finish(is_success=False, error=f"TLS failed: {error.reason or error}"[:300])
    except ConnectionRefusedError:
        return finish(is_success=False, error="Connection refused.")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return finish(is_success=False, error=f"{type(error).__name__}: {error}"[:300])
    finally:
        watchdog.cancel()
        connection.close()
    if 200 <= status < 300:
        return finish(is_success=True, status_code=status, response_excerpt=excerpt)
    if 300 <= status < 400:
        location = (response.getheader("Location") or "")[:200]
        return finish(
            is_success=False,
            status_code=status,
            error=f"Redirected to {location or 'another address'}; redirects are not followed.",
        )
    return finish(
        is_success=False, status_code=status, error=f"Answered {status}.", response_excerpt=excerpt
    )
