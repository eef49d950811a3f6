"""Small database helpers shared by the apps' services."""

from django.db import IntegrityError, transaction

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
