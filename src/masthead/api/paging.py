"""Opaque, signed cursors for the API's lists: a cursor names a position, and a changed one is
refused (400) rather than read as something else."""

import datetime as dt

from django.core import signing
from ninja import Schema
from pydantic import Field

from masthead.api.errors import ApiProblem
from masthead.core.cursors import MomentCursor

SALT = "masthead.api.cursor"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 100_000


def sign_cursor(list_name: str, position: dict) -> str:
    return signing.dumps({"l": list_name, **position}, salt=SALT, compress=True)


def read_cursor(list_name: str, cursor: str | None) -> dict | None:
    """The position a cursor of this list carries; None for the first page."""
    if not cursor:
        return None
    try:
        position = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise ApiProblem(
            400, "This cursor is not valid. Start again from the first page."
        ) from None
    if not isinstance(position, dict) or position.get("l") != list_name:
        raise ApiProblem(400, "This cursor belongs to another list.")
    return position


def moment_cursor(list_name: str, cursor: str | None) -> MomentCursor | None:
    position = read_cursor(list_name, cursor)
    if position is None:
        return None
    try:
        moment = dt.datetime.fromtimestamp(int(position["m"]) / 1_000_000, tz=dt.UTC)
        return MomentCursor(moment, int(position["i"]))
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        raise ApiProblem(400, "This cursor is not valid.") from None


def sign_moment(list_name: str, moment: dt.datetime, row_id: int) -> str:
    return sign_cursor(list_name, {"m": int(moment.timestamp() * 1_000_000), "i": row_id})


def offset_of(list_name: str, cursor: str | None) -> int:
    position = read_cursor(list_name, cursor)
    if position is None:
        return 0
    offset = position.get("o")
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise ApiProblem(400, "This cursor is not valid.")
    return offset


def clamp_limit(limit: int | None) -> int:
    return DEFAULT_LIMIT if limit is None else min(max(1, limit), MAX_LIMIT)


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=2000, description="next_cursor of the last page")
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT)
