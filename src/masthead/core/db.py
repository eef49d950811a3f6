"""Small database helpers shared by the apps' services."""

import contextlib

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


def insert_many(model, field_names: tuple[str, ...], rows: list[tuple], batch: int = 2000) -> None:
    """INSERT plain tuples (values in `field_names` order, already as the database stores them)
    with executemany: for tens of thousands of rows, bulk_create spends most of its time
    compiling its SQL value by value. Dates and times go through adapt_datetime() first."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in field_names)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), columns, ", ".join(["%s"] * len(field_names))
    )
    # Several batches go in one transaction; one is atomic already.
    together = transaction.atomic() if len(rows) > batch else contextlib.nullcontext()
    with together, connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


def adapt_datetime(value):
    """A datetime as a DateTimeField would store it (None stays None)."""
    return connection.ops.adapt_datetimefield_value(value)
