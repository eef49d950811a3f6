"""Sending fuzzed requests as each person, and failing readably on any 5xx."""

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie

from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client

from tests.fuzzing.world import World

ROLES = ("anonymous", "reader", "owner")


@contextmanager
def fresh_example() -> Iterator[None]:
    """Each example starts from the same world: its writes roll back, rate counters start at 0."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


class Clients:
    """One client per role, signed in once. A request may sign its person out or spend their
    session; its example rolls that back in the database, and `get` puts back the cookies, so
    every request starts signed in as it should."""

    def __init__(self, world: World):
        self._clients = {}
        self._cookies = {}
        for role in ROLES:
            client = Client()
            if role in world.people:
                client.force_login(world.people[role])
            self._clients[role] = client
            self._cookies[role] = SimpleCookie()
            self._cookies[role].update(client.cookies)

    def get(self, role: str, *, raise_request_exception: bool = True) -> Client:
        client = self._clients[role]
        client.cookies = SimpleCookie()
        client.cookies.update(self._cookies[role])
        client.raise_request_exception = raise_request_exception
        return client


@dataclass(frozen=True)
class Attempt:
    endpoint: str
    role: str
    method: str
    path: str
    query: object = None
    body: object = None
    content_type: str = ""
    headers: tuple = ()

    def describe(self) -> str:
        lines = [f"{self.method} {self.path} as {self.role} (endpoint {self.endpoint})"]
        if self.query is not None:
            lines.append(f"  query: {_short(self.query)}")
        if self.body is not None:
            lines.append(
                f"  body ({self.content_type or 'multipart/form-data'}): {_short(self.body)}"
            )
        if self.headers:
            lines.append(f"  headers: {dict(self.headers)}")
        return "\n".join(lines)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 600 else text[:600] + f"... ({len(text)} characters)"


class ServerError(AssertionError):
    pass


def send(client: Client, attempt: Attempt):
    """Make the request; a raised exception or a 5xx answer fails with the attempt described.

    A client made with raise_request_exception=False answers as a server would, with the 500
    page; the exception behind it is caught on its way there, for the report."""
    headers = dict(attempt.headers)
    behind: list[BaseException] = []

    def note(**kwargs):
        behind.append(sys.exc_info()[1])

    got_request_exception.connect(note)
    try:
        if attempt.method == "GET":
            response = client.get(attempt.path, attempt.query or {}, headers=headers)
        elif attempt.method == "POST" and not attempt.content_type:
            response = client.post(attempt.path, attempt.body or {}, headers=headers)
        else:
            content_type = attempt.content_type or "application/octet-stream"
            response = client.generic(
                attempt.method, attempt.path, attempt.body or b"", content_type, headers=headers
            )
        if response.streaming:
            b"".join(response.streaming_content)  # a CSV export fails while it streams
    except Exception as error:
        raise ServerError(f"{attempt.describe()}\nraised {_where(error)}") from error
    finally:
        got_request_exception.disconnect(note)
    if response.status_code >= 500:
        cause = f": {_where(behind[0])}" if behind and behind[0] is not None else ""
        raise ServerError(f"{attempt.describe()}\nanswered {response.status_code}{cause}")
    return response


def _where(error: Exception) -> str:
    """The exception and the last line of Masthead's own code it passed through."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "/masthead/" in frame.filename] or frames
    last = ours[-1] if ours else None
    place = f" at {last.filename.split('/src/')[-1]}:{last.lineno} ({last.line})" if last else ""
    return f"{type(error).__name__}: {str(error)[:300]}{place}"
