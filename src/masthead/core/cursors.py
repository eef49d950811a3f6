"""Keyset paging for lists ordered newest first by (a moment, id): the position of the next
page is carried in "Older" links as "<microseconds>-<id>", so no page needs COUNT or OFFSET."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q

_ENCODED = re.compile(r"^(\d{1,19})-(\d{1,19})$")


@dataclass(frozen=True)
class MomentCursor:
    moment: dt.datetime
    id: int

    def encode(self) -> str:
        micros = int(self.moment.timestamp() * 1_000_000)
        return f"{micros}-{self.id}"

    def older(self, field: str) -> Q:
        """The rows that come after this position, ordered by (-field, -id)."""
        return Q(**{f"{field}__lt": self.moment}) | Q(**{field: self.moment, "id__lt": self.id})


def parse_moment_cursor(raw: str | None) -> MomentCursor | None:
    """The position an "Older" link carries; anything unreadable means the first page."""
    match = _ENCODED.match(raw or "")
    if not match:
        return None
    try:
        moment = dt.datetime.fromtimestamp(int(match[1]) / 1_000_000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return MomentCursor(moment, int(match[2]))
