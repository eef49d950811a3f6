"""Calling the WSGI application (the fast path in front of Django) as a server would."""

import io
from dataclasses import dataclass, field
from wsgiref.util import setup_testing_defaults


@dataclass
class WsgiResponse:
    status: int
    headers: dict[str, str]
    cookies: list[str] = field(default_factory=list)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode()


def wsgi_get(
    application, path: str, *, host: str = "testserver", method: str = "GET", headers=None
) -> WsgiResponse:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": host,
        "wsgi.input": io.BytesIO(b""),
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = response_headers

    chunks = application(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    headers = {
        name.lower(): value for name, value in captured["headers"] if name.lower() != "set-cookie"
    }
    cookies = [value for name, value in captured["headers"] if name.lower() == "set-cookie"]
    return WsgiResponse(captured["status"], headers, cookies, body)
