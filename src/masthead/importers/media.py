"""Downloading an export's remote images into media, or saying why an image stays a link.

An imported post points at images on the old platform's servers, which may vanish once the
writer leaves. Each image is fetched once (bounded in time and size, never from a private
address), checked with Pillow, and stored by content, so importing twice stores one copy. The
original bytes are kept: no re-encoding, and animated GIFs stay animated.

Settings (read with defaults, so none is required):
  IMPORT_IMAGE_TIMEOUT              seconds to connect, and between bytes received (10)
  IMPORT_IMAGE_MAX_BYTES            largest image downloaded (20 MiB)
  IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS  fetch from loopback and private networks too (False)
"""

import hashlib
import io
import ipaddress
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, ReadTimeoutError

from masthead.core.images import MAX_PIXELS, OPEN_FORMATS
from masthead.importers.archives import describe_size

DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_MAX_BYTES = 20 * 1024**2
# A server trickling one byte just inside the read timeout would otherwise hold an import
# for hours; every image, redirects and the retry included, gets this many timeouts in all.
DEADLINE_IN_TIMEOUTS = 3
RETRY_PAUSE_SECONDS = 0.5
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024

EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
REQUEST_HEADERS = {
    "User-Agent": "Masthead-importer/1 (+https://github.com/masthead)",
    "Accept": "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8",
    # Images are compressed already; a compressed transfer would only let a server send a bomb.
    "Accept-Encoding": "identity",
}


@dataclass
class FetchedImage:
    url: str
    stored_url: str = ""  # the public URL of the stored copy; "" when the image stays a link
    problem: str = ""  # why it stays a link, for the import report: "HTTP 404", ...


def fetch_image(url: str, *, folder: str) -> FetchedImage:
    """Download one image into media under folder; never raises for what the remote does."""
    with _session() as session:
        return _fetch(session, url, folder)


def fetch_images(urls: Iterable[str], *, folder: str) -> dict[str, FetchedImage]:
    """fetch_image for each distinct URL, in order, over one session."""
    results: dict[str, FetchedImage] = {}
    with _session() as session:
        for url in urls:
            if url not in results:
                results[url] = _fetch(session, url, folder)
    return results


def timeout_seconds() -> float:
    return float(getattr(settings, "IMPORT_IMAGE_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))


def max_image_bytes() -> int:
    return int(getattr(settings, "IMPORT_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES))


class _Refused(Exception):
    """The image stays a link; trying again would not help."""


class _Retryable(Exception):
    """The image stays a link unless a second try, after a pause, works."""


class _PrivateAddress(Exception):
    """Raised from inside a connection, so it passes urllib3 and requests untouched."""


def _fetch(session: requests.Session, url: str, folder: str) -> FetchedImage:
    deadline = time.monotonic() + DEADLINE_IN_TIMEOUTS * timeout_seconds()
    for attempt in (1, 2):
        try:
            data, content_type = _download(session, url.strip(), deadline)
            break
        except _Refused as problem:
            return FetchedImage(url, problem=str(problem))
        except _Retryable as problem:
            if attempt == 2 or time.monotonic() + RETRY_PAUSE_SECONDS >= deadline:
                return FetchedImage(url, problem=str(problem))
            time.sleep(RETRY_PAUSE_SECONDS)
    try:
        extension = _image_extension(data)
    except _Refused as problem:
        return FetchedImage(url, problem=str(problem))
    if extension is None:
        return FetchedImage(url, problem=f"not an image ({content_type or 'unknown type'})")
    return FetchedImage(url, stored_url=_store(data, extension, folder))


def _download(session: requests.Session, url: str, deadline: float) -> tuple[bytes, str]:
    """The body of the image at url (after at most MAX_REDIRECTS), and its declared type."""
    current = url
    for hop in range(MAX_REDIRECTS + 1):
        if _scheme(current) not in ("http", "https"):
            raise _Refused(
                "redirected to a link that is not http or https"
                if hop
                else "not an http or https link"
            )
        response = _get(session, current)
        with response:
            if response.is_redirect:
                try:
                    current = urljoin(current, response.headers["location"])
                except ValueError:
                    raise _Refused("redirected to a link that is not valid") from None
                continue
            if response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise _Refused(f"HTTP {response.status_code}")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type.startswith("text/") or content_type == "image/svg+xml":
                raise _Refused(f"not an image ({content_type})")
            return _read_body(response, deadline), content_type
    raise _Refused(f"more than {MAX_REDIRECTS} redirects")


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        raise _Refused("not a valid link") from None


def _get(session: requests.Session, url: str) -> requests.Response:
    timeout = timeout_seconds()
    try:
        return session.get(
            url,
            headers=REQUEST_HEADERS,
            stream=True,
            allow_redirects=False,  # each hop is checked here, and each host when connecting
            timeout=(timeout, timeout),
        )
    except _PrivateAddress:
        raise _Refused("host is a private address") from None
    except requests.Timeout:
        raise _Retryable(f"timed out after {timeout:g} s") from None
    except requests.ConnectionError as error:
        if _is_private_refusal(error):
            raise _Refused("host is a private address") from None
        raise _Retryable("could not connect to the host") from None
    except (requests.RequestException, ValueError):
        # Malformed links: no host, bad characters, an unencodable host name.
        raise _Refused("not a valid link") from None


def _read_body(response: requests.Response, deadline: float) -> bytes:
    limit = max_image_bytes()
    too_large = _Refused(f"larger than {describe_size(limit)}")
    try:
        declared = int(response.headers.get("content-length", "0"))
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    body = io.BytesIO()
    while True:
        # read1 returns what has arrived, so a server trickling bytes meets the deadline.
        try:
            chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
        except ReadTimeoutError:
            raise _Retryable(f"timed out after {timeout_seconds():g} s") from None
        except (HTTPError, OSError):
            raise _Retryable("the download broke off") from None
        if not chunk:
            break
        if body.tell() + len(chunk) > limit:
            raise too_large
        if time.monotonic() > deadline:
            raise _Refused(f"timed out after {DEADLINE_IN_TIMEOUTS * timeout_seconds():g} s in all")
        body.write(chunk)
    return body.getvalue()


def _image_extension(data: bytes) -> str | None:
    """The file extension for data if Pillow accepts it as a JPEG, PNG, GIF or WebP, else None."""
    try:
        with Image.open(io.BytesIO(data), formats=OPEN_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise _Refused(f"larger than {MAX_PIXELS // 1_000_000} megapixels")
            image_format = image.format
            image.verify()
    except _Refused:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of error on a damaged file
        return None
    return EXTENSIONS.get(image_format or "")


def _store(data: bytes, extension: str, folder: str) -> str:
    name = f"{folder.strip('/')}/{hashlib.sha256(data).hexdigest()[:32]}.{extension}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return default_storage.url(name)


def _is_private_refusal(error: Exception) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, _PrivateAddress):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


# The address check happens on the connected socket, not on a name looked up beforehand, so a
# host name that resolves once to a public address and then to 127.0.0.1 gains nothing.


def is_public_address(text: str) -> bool:
    """True for an address on the public internet; False for loopback, private, link-local
    (cloud metadata at 169.254.169.254), shared, reserved, multicast and unspecified ones."""
    address = ipaddress.ip_address(text.split("%")[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _refuse_private_peer(sock: socket.socket) -> None:
    peer = sock.getpeername()[0]
    if not is_public_address(peer):
        sock.close()
        raise _PrivateAddress(peer)


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _refuse_private_peer(sock)
        return sock


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _refuse_private_peer(sock)
        return sock


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


@contextmanager
def _session() -> Iterator[requests.Session]:
    session = requests.Session()
    # No proxies or .netrc from the environment: the address check must see the real host.
    session.trust_env = False
    if not getattr(settings, "IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS", False):
        adapter = _PublicOnlyAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    try:
        yield session
    finally:
        session.close()
