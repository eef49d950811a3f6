"""Small database helpers shared by the apps' services."""

from django.db import IntegrityError, transaction


def create_once(model, **fields) -> bool:
    """Make the row unless it exists; a concurrent request making it first is not an error.

    Returns True when this call made the row. Relies on a unique constraint over `fields`.
    """
    try:
        with transaction.atomic():
            _, created = model.objects.get_or_create(**fields)
    except IntegrityError:
        return False
    return created
