"""When the cache's store fails, pages are rendered as if there were no cache for a few
seconds, rather than each request waiting on a store that does not answer."""

import logging
import time

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0
_down_until = 0.0


def is_up() -> bool:
    return time.monotonic() >= _down_until


def report_failure(doing: str) -> None:
    global _down_until
    if is_up():
        logger.warning(
            "page cache unavailable while %s; rendering pages for %ss", doing, PAUSE_SECONDS
        )
    _down_until = time.monotonic() + PAUSE_SECONDS


def reset() -> None:
    global _down_until
    _down_until = 0.0
