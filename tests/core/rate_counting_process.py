"""One process of the cross-process rate-limit test: once told to go, it makes its attempts
against one limit and prints how many were admitted.

Usage: python tests/core/rate_counting_process.py SCOPE ATTEMPTS LIMIT GO_FILE
It prints "ready" once Django is set up (and connected), then waits for GO_FILE to exist, so the
processes of a test start counting together.
"""

import os
import sys
import time
from pathlib import Path

# A window far longer than the test, so no window ends while the processes count.
WINDOW_SECONDS = 10**10


def main() -> None:
    scope, attempts, limit, go_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection

    from masthead.core.ratelimit import RateLimited, check_rate

    connection.ensure_connection()
    cache.get("warm-up")  # connects to Redis when it is the cache
    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.001)
    admitted = 0
    for _ in range(attempts):
        try:
            check_rate(scope, "someone@example.com", (limit, WINDOW_SECONDS))
        except RateLimited:
            continue
        admitted += 1
    print(admitted, flush=True)


if __name__ == "__main__":
    main()
