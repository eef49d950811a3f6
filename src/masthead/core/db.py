"""Small database helpers shared by the apps' services."""

from django.db import DatabaseError, IntegrityError, connection, connections, transaction

# Database integers stop here: a larger id (from a URL or a socket) is no row's, and the
# database cannot even compare it.
LARGEST_ID = 2**63 - 1


def create_once(model, defaults: dict | None = None, **fields) -> bool:
    """Make the row unless it exists; a concurrent request making it first is not an error.

    Returns True when this call made the row. Relies on a unique constraint over `fields`.
    """
    arguments = {**fields, "defaults": defaults} if defaults else fields
    try:
        with transaction.atomic():
            _, created = model.objects.get_or_create(**arguments)
    except IntegrityError:
        return False
    return created


def close_quietly(db=connection) -> None:
    """Close a connection, even one broken beyond closing (the next query reconnects): after
    losing the database, a full disk or a server restart."""
    try:
        db.close()
    except DatabaseError:
        db.connection = None


def close_all_connections() -> None:
    for db in connections.all(initialized_only=True):
        close_quietly(db)
