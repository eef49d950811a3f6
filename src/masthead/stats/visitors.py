"""Unique visitors without a cookie: a hash of the address and user agent, salted with a random
salt of the UTC day that is deleted once the day is over, so the raw address is never stored
and nobody can be followed from one day to the next."""

import datetime as dt
import hashlib
import secrets
import threading

VISITOR_LENGTH = 32  # hex characters kept of the sha256

_salts: dict[dt.date, str] = {}
_salts_lock = threading.Lock()


def visitor_of(salt: str, client: str, user_agent: str) -> str:
    data = "\0".join((salt, client, user_agent)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:VISITOR_LENGTH]


def salt_of(day: dt.date) -> str:
    """The day's salt: made on its first use by any process, then kept in this one. When a new
    day's salt is loaded, the salts older than yesterday are deleted."""
    salt = _salts.get(day)
    if salt is not None:
        return salt
    from masthead.stats.models import VisitorSalt

    row, _created = VisitorSalt.objects.get_or_create(
        day=day, defaults={"salt": secrets.token_hex(32)}
    )
    VisitorSalt.objects.filter(day__lt=day - dt.timedelta(days=1)).delete()
    with _salts_lock:
        for old_day in [known for known in _salts if known < day - dt.timedelta(days=1)]:
            del _salts[old_day]
        _salts[day] = row.salt
    return row.salt


def forget_salts() -> None:
    """Drop the salts kept in this process (they are read again from the database)."""
    with _salts_lock:
        _salts.clear()
