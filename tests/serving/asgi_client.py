"""Calling an ASGI application with a hand-made scope, as a server would, and collecting what
it sends."""

import asyncio
from dataclasses import dataclass, field


@dataclass
class AsgiResponse:
    status: int
    headers: dict[str, str]
    cookies: list[str] = field(default_factory=list)
    body: bytes = b""
    body_messages: int = 0

    @property
    def text(self) -> str:
        return self.body.decode()


def http_scope(method: str, target: str, headers=None, host: str = "testserver") -> dict:
    path, _, query = target.partition("?")
    raw_headers = [(b"host", host.encode())]
    raw_headers += [
        (name.lower().encode(), value.encode()) for name, value in (headers or {}).items()
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def call(application, scope: dict, body: bytes = b"", body_parts: int = 1) -> AsgiResponse:
    size = max(1, -(-len(body) // body_parts))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    incoming = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]
    done = asyncio.Event()
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            done.set()

    await asyncio.wait_for(application(scope, receive, send), timeout=30)
    start = sent[0]
    assert start["type"] == "http.response.start"
    bodies = [message for message in sent[1:] if message["type"] == "http.response.body"]
    assert bodies and not bodies[-1].get("more_body", False), "the response never ended"
    headers = {}
    cookies = []
    for name, value in start["headers"]:
        if name == b"set-cookie":
            cookies.append(value.decode("latin-1"))
        else:
            headers[name.decode("latin-1")] = value.decode("latin-1")
    return AsgiResponse(
        start["status"],
        headers,
        cookies,
        b"".join(message.get("body", b"") for message in bodies),
        len([message for message in bodies if message.get("body")]),
    )


def request(application, method: str, target: str, *, headers=None, body=b"", body_parts=1):
    return asyncio.run(call(application, http_scope(method, target, headers), body, body_parts))
