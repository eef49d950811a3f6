"""Reading values out of an untrusted Ghost export: every field may be missing or of any type."""

import datetime as dt
import re

_TRUE_WORDS = {"true", "1", "yes", "y", "t"}
_FALSE_WORDS = {"false", "0", "no", "n", "f"}


def text_of(value: object) -> str:
    """A string field as text; numbers become their digits, anything else is empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def dicts_of(value: object) -> list[dict]:
    """The dict items of a list field (a table, a node's children); anything else is dropped."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def flag_of(value: object) -> bool | None:
    """A boolean field (true, "true", 1, "1", ...); None when blank or unreadable."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    word = text_of(value).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def int_of(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    digits = text_of(value).strip()
    if re.fullmatch(r"-?\d{1,18}", digits):
        return int(digits)
    return default


def datetime_of(value: object) -> dt.datetime | None:
    """Ghost's timestamps, always in UTC: "2021-03-04T10:20:30.000Z", "2021-03-04 10:20:30"
    (older exports) or milliseconds since 1970; None when blank or unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    raw = text_of(value).strip()
    if not raw:
        return None
    if re.fullmatch(r"\d{10,13}", raw):
        return datetime_of(int(raw) * (1000 if len(raw) == 10 else 1))
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)  # Ghost stores UTC without saying so
    return parsed
