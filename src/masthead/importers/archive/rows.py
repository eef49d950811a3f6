"""One row as one line of JSON and back: every concrete column, lossless, by its attname."""

import json

from django.contrib.auth import get_user_model
from django.db import models

from masthead.importers.archive.layout import PERSON_COLUMNS_LEFT_OUT

# Written as JSON itself; everything else (dates, decimals, UUIDs, bytes) as Django's text form,
# which field.to_python reads back exactly (datetimes keep their microseconds).
_PLAIN = (str, int, float, bool, type(None))


def exported_fields(model) -> list[models.Field]:
    fields = list(model._meta.concrete_fields)
    if model is get_user_model():
        fields = [f for f in fields if f.attname not in PERSON_COLUMNS_LEFT_OUT]
    return fields


def in_column_order(fields: list[models.Field]) -> list[models.Field]:
    """The primary key first, then the other columns: the order rows are read and written in."""
    return [f for f in fields if f.primary_key] + [f for f in fields if not f.primary_key]


def column_names(fields: list[models.Field]) -> list[str]:
    return [f.attname for f in in_column_order(fields)]


def values_to_dict(values: tuple, fields: list[models.Field], nulled=()) -> dict:
    """A row read with values_list(*column_names(fields)) as the archive's JSON object."""
    row = {}
    for field, value in zip(in_column_order(fields), values, strict=True):
        name = "pk" if field.primary_key else field.attname
        row[name] = None if name in nulled else json_value(field, value)
    return row


def json_value(field: models.Field, value):
    if value is None or isinstance(field, models.JSONField) or isinstance(value, _PLAIN):
        return value
    # Django's text form of the value, as its serializers write it.
    return field.value_to_string(_Holder(field.attname, value))


class _Holder:
    """Lends field.value_to_string the one attribute it reads, without building a model."""

    def __init__(self, attname: str, value):
        setattr(self, attname, value)


def dumps(row: dict) -> bytes:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
