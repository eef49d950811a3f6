"""A second process using the page cache's shared store, driven line by line from a test:
`store KEY DEP`, `look KEY`, `bump DEP`; it answers one line per command."""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")

import django  # noqa: E402

django.setup()

from masthead.pagecache import invalidation, lookup, versions  # noqa: E402
from masthead.pagecache.entries import Entry  # noqa: E402


def main() -> None:
    for line in sys.stdin:
        command, *args = line.split()
        if command == "store":
            key, dep = args
            entry = Entry(
                deps=(dep,), versions=versions.store().get_many((dep,)), status=200,
                headers=(("Content-Type", "text/plain"),), body=f"from {os.getpid()}".encode(),
                etag="e", stored_at=time.time(), has_csrf=False, audience="anonymous",
            )  # fmt: skip
            lookup.store(key, entry)
            print("stored", flush=True)
        elif command == "look":
            found = lookup.look_up(args[0])
            body = found.entry.body.decode() if found.entry else "-"
            print(found.state, body.replace(" ", "_"), flush=True)
        elif command == "bump":
            invalidation.bump(args)  # outside a transaction: on_commit runs at once
            print("bumped", flush=True)


if __name__ == "__main__":
    main()
