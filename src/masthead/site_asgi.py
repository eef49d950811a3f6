"""One ASGI application for the whole site on one address: stored pages straight from the page
cache's fast path, every other request through Django's WSGI application in a thread pool, and
the chat's WebSockets through Channels.

Django runs under WSGI rather than its ASGI handler because its ASGI handler hands each sync
middleware to a thread and back, several times slower here (see bench/serving_designs.py).
a2wsgi (PyPI) does the WSGI-in-ASGI part too, but it holds a thread for as long as a slow
upload trickles in, builds QUERY_STRING as ASCII (a latin-1 byte raises) and leaves its worker
thread blocked forever when the client leaves during a long response; this adapter spools the
body before taking a thread and stops a response whose reader has gone.
"""

import asyncio
import contextlib
import logging
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from masthead.asgi import application as channels_application  # sets Django up first
from masthead.pagecache import fastpath
from masthead.pagecache.serving import LOCK_HANDED_ON
from masthead.stats.visits import viewer_from_headers
from masthead.wsgi import django_application

logger = logging.getLogger(__name__)

BODY_IN_MEMORY_BYTES = 1024 * 1024  # a bigger request body (an import upload) goes to disk
# Above the largest upload anything accepts (a 2 GB import): a bigger body would only fill the disk.
MAX_BODY_BYTES = 3 * 1024 * 1024 * 1024
FILE_BLOCK_BYTES = 256 * 1024  # Django's FileResponse asks for 4 KB: too many hops per file


def thread_count() -> int:
    """settings.WEB_THREADS (MASTHEAD_WEB_THREADS): Django requests in flight at once per worker."""
    if not 1 <= settings.WEB_THREADS <= 512:
        raise ImproperlyConfigured("MASTHEAD_WEB_THREADS must be a whole number from 1 to 512")
    return settings.WEB_THREADS


# The request, as WSGI sees it -----------------------------------------------------------------


def path_info(scope) -> str:
    """PATH_INFO as a WSGI server gives it (PEP 3333): the percent-decoded bytes of the path,
    as latin-1, so the fast path's key and Django's are the same under either server."""
    raw = scope.get("raw_path")
    path = unquote_to_bytes(raw.split(b"?", 1)[0]) if raw else scope["path"].encode("utf-8")
    root = scope.get("root_path", "").encode("utf-8")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.decode("latin-1")


def header_values(scope) -> dict[str, str]:
    """Headers by lower-case name, repeated ones joined as WSGI servers join them."""
    values: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in values:
            value = values[name] + ("; " if name == "cookie" else ",") + value
        values[name] = value
    return values


def build_environ(scope, headers: dict[str, str], body) -> dict:
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": path_info(scope),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_NAME": str(server_name),
        "SERVER_PORT": str(server_port or 80),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileBlocks,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = scope["client"][0], str(scope["client"][1])
    for name, value in headers.items():
        if name in ("content-length", "content-type"):
            environ[name.upper().replace("-", "_")] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


class FileBlocks:
    """wsgi.file_wrapper: a file in large blocks; closing it closes Django's response."""

    def __init__(self, file, block_size: int = FILE_BLOCK_BYTES):
        self.file = file

    def __iter__(self):
        while block := self.file.read(FILE_BLOCK_BYTES):
            yield block

    def close(self):
        self.file.close()


# Django under WSGI, in a thread -----------------------------------------------------------


class ClientGone(Exception):
    """The reader closed the connection: stop producing their response."""


class WsgiExchange:
    """One request: its body is spooled first (no thread waits on a slow upload), then Django
    runs in a worker thread and each chunk goes to the event loop, waiting until it is sent."""

    def __init__(self, application, executor, scope, receive, send):
        self.application, self.executor = application, executor
        self.scope, self.receive, self.send = scope, receive, send
        self.loop = asyncio.get_running_loop()
        self.gone = threading.Event()
        self.status_and_headers = None
        self.started = False

    async def run(self, headers: dict[str, str], extra_environ: dict) -> None:
        with tempfile.SpooledTemporaryFile(max_size=BODY_IN_MEMORY_BYTES) as body:
            if not await self.spool_body(body):
                return
            body.seek(0)
            environ = build_environ(self.scope, headers, body)
            environ.update(extra_environ)
            watcher = asyncio.ensure_future(self.watch_for_disconnect())
            try:
                await self.loop.run_in_executor(self.executor, self.respond, environ)
            finally:
                watcher.cancel()

    async def spool_body(self, body) -> bool:
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                await self.refuse_too_large()
                return False
            body.write(chunk)
            if not message.get("more_body", False):
                return True

    async def refuse_too_large(self) -> None:
        text = b"The request body is too large."
        await self.send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(text)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await self.send({"type": "http.response.body", "body": text})

    async def watch_for_disconnect(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        self.gone.set()

    def send_from_thread(self, message) -> None:
        if self.gone.is_set():
            raise ClientGone
        try:
            asyncio.run_coroutine_threadsafe(self.send_now(message), self.loop).result()
        except OSError as error:  # some servers raise on a send after the client left
            raise ClientGone from error

    async def send_now(self, message) -> None:
        # A coroutine for run_coroutine_threadsafe: granian's send returns another awaitable.
        await self.send(message)

    def start_response(self, status, headers, exc_info=None):
        if exc_info and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status_and_headers = (int(status.split(" ", 1)[0]), headers)
        return self.write

    def write(self, data: bytes) -> None:
        self.send_chunk(data, more=True)

    def send_chunk(self, data: bytes, more: bool) -> None:
        if not self.started:
            status, headers = self.status_and_headers
            self.send_from_thread(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in headers
                    ],
                }
            )
            self.started = True
        if self.scope["method"] == "HEAD":
            data = b""  # the headers tell the length of a body a HEAD never carries
        if data or not more:
            self.send_from_thread({"type": "http.response.body", "body": data, "more_body": more})

    def respond(self, environ) -> None:
        try:
            chunks = self.application(environ, self.start_response)
        except Exception:
            logger.exception("Django failed before answering %s", environ.get("PATH_INFO"))
            self.send_error()
            return
        try:
            for chunk in chunks:
                if chunk:
                    self.send_chunk(chunk, more=True)
            self.send_chunk(b"", more=False)
        except ClientGone:
            pass
        except Exception:
            logger.exception("Django failed while answering %s", environ.get("PATH_INFO"))
            if not self.started:
                self.send_error()
            else:  # the status is sent: end the body short, the client sees a cut response
                self.send_from_thread({"type": "http.response.body", "body": b""})
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # Django's request_finished: database connections go back

    def send_error(self) -> None:
        self.status_and_headers = (500, [("Content-Type", "text/plain; charset=utf-8")])
        with contextlib.suppress(ClientGone):
            self.send_chunk(b"Server error", more=False)


# The site -------------------------------------------------------------------------------------


class SiteApplication:
    def __init__(self, wsgi_application, websocket_application, threads: int):
        self.wsgi_application = wsgi_application
        self.websocket_application = websocket_application
        self.threads = threads
        self._executor = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        # Made on first use, in the worker process the server forked or spawned.
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="django")
        return self._executor

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "http":
            return await self.http(scope, receive, send)
        if kind == "websocket":
            return await self.websocket_application(scope, receive, send)
        if kind == "lifespan":
            return await self.lifespan(receive, send)
        raise ValueError(f"unknown ASGI scope type {kind!r}")

    async def http(self, scope, receive, send):
        headers = header_values(scope)
        found = None
        if settings.PAGE_CACHE and scope["method"] in ("GET", "HEAD"):
            found = fastpath.answer(
                scope["method"],
                fastpath.scheme_of(self.forwarded_proto(headers), scope.get("scheme", "http")),
                headers.get("host", ""),
                path_info(scope),
                scope.get("query_string", b"").decode("latin-1"),
                headers.get("cookie", ""),
                headers.get("if-none-match"),
                headers.get("if-modified-since"),
                viewer_from_headers(headers, scope.get("client")),
            )
        if isinstance(found, fastpath.Answer):
            await send(
                {
                    "type": "http.response.start",
                    "status": found.status,
                    "headers": [
                        (name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in found.headers
                    ],
                }
            )
            await send({"type": "http.response.body", "body": found.body})
            return
        extra = {LOCK_HANDED_ON: found.key} if isinstance(found, fastpath.RenderWithLock) else {}
        exchange = WsgiExchange(self.wsgi_application, self.executor, scope, receive, send)
        await exchange.run(headers, extra)

    @staticmethod
    def forwarded_proto(headers: dict[str, str]) -> str | None:
        setting = settings.SECURE_PROXY_SSL_HEADER
        if not setting or not setting[0].startswith("HTTP_"):
            return None
        return headers.get(setting[0][5:].lower().replace("_", "-"))

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._executor is not None:
                    self._executor.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return


application = SiteApplication(django_application, channels_application, thread_count())
