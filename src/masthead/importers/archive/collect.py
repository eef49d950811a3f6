"""Which rows belong to a publication: all that deleting it would take along, and their people.

Generic on purpose: the tables are found by walking every CASCADE foreign key that leads back to
the publication (the same rule Django's deletion collector follows), so a table added later is
exported without anyone listing it. The walk builds querysets, never loads rows, so it costs a
few queries whatever the publication's size.
"""

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet

from masthead.importers.archive.layout import EXCLUDED_APPS, EXCLUDED_TABLES, table_label
from masthead.publications.models import Publication

# Replies of replies of ... : a self-referencing cascade is followed this deep at most.
MAX_SELF_DEPTH = 50
# Rows whose references leave the publication are looked at one by one; there are few.
MAX_DETACHED_PASSES = 5


@dataclass
class Collection:
    """The rows of one publication, by table, in an order where references point backwards."""

    publication: Publication
    querysets: dict[type[models.Model], QuerySet]
    # Rows that keep a reference to something outside the archive (a reader's note quoting
    # another publication's post): those columns are written as null.
    nulled: dict[type[models.Model], dict[object, list[str]]] = field(default_factory=dict)
    # Rows that cannot stand without what they reference outside the archive.
    left_out: dict[type[models.Model], set] = field(default_factory=dict)

    @property
    def tables(self) -> list[type[models.Model]]:
        return list(self.querysets)


def is_excluded(model) -> bool:
    return model._meta.app_label in EXCLUDED_APPS or table_label(model) in EXCLUDED_TABLES


def foreign_keys(model) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def _cascading_keys() -> dict[type[models.Model], list[models.ForeignKey]]:
    """Per table, its foreign keys whose target's deletion deletes the row too."""
    person = get_user_model()
    keys: dict[type[models.Model], list[models.ForeignKey]] = defaultdict(list)
    for model in apps.get_models(include_auto_created=True):
        if is_excluded(model) or model is person or model is Publication:
            continue
        for key in foreign_keys(model):
            if key.remote_field.on_delete is models.CASCADE and not is_excluded(key.related_model):
                keys[model].append(key)
    return keys


class _Walk:
    def __init__(self, publication: Publication):
        self.publication = publication
        self.keys = _cascading_keys()
        self.scopes: dict[type[models.Model], QuerySet | None] = {}
        self.visiting: set[type[models.Model]] = set()

    def scope(self, model) -> QuerySet | None:
        if model is Publication:
            return Publication.objects.filter(pk=self.publication.pk)
        if model in self.scopes:
            return self.scopes[model]
        if model in self.visiting:
            return None  # a cycle: the rows are reached from its other end
        self.visiting.add(model)
        conditions, self_keys = [], []
        for key in self.keys.get(model, []):
            if key.related_model is model:
                self_keys.append(key)
                continue
            parent = self.scope(key.related_model)
            if parent is not None:
                conditions.append(Q(**{f"{key.name}__in": parent.values("pk")}))
        self.visiting.discard(model)
        if not conditions:
            self.scopes[model] = None
            return None
        queryset = model._default_manager.filter(reduce(operator.or_, conditions))
        for key in self_keys:
            queryset = _with_descendants(model, queryset, key)
        self.scopes[model] = queryset
        return queryset


def _with_descendants(model, queryset: QuerySet, key) -> QuerySet:
    """Rows reached through a self-referencing cascade (a reader's reply to the staff's note)."""
    base = queryset.values("pk")
    condition = Q(pk__in=base)
    path = key.name
    for _depth in range(MAX_SELF_DEPTH):
        deeper = Q(**{f"{path}__in": base})
        if not model._default_manager.filter(deeper).exclude(condition).exists():
            break
        condition |= deeper
        path = f"{path}__{key.name}"
    return model._default_manager.filter(condition)


def _people(querysets: dict) -> QuerySet:
    person = get_user_model()
    conditions = [
        Q(pk__in=queryset.filter(**{f"{key.attname}__isnull": False}).values(key.attname))
        for model, queryset in querysets.items()
        for key in foreign_keys(model)
        if key.related_model is person
    ]
    if not conditions:
        return person._default_manager.none()
    return person._default_manager.filter(reduce(operator.or_, conditions))


def _profile_tables(people: QuerySet, taken) -> dict:
    """Rows that extend a person one to one (their Stripe customer, their email settings)."""
    person = get_user_model()
    tables = {}
    for model in apps.get_models():
        if model in taken or is_excluded(model) or model is person:
            continue
        for key in foreign_keys(model):
            if key.one_to_one and key.related_model is person:
                tables[model] = model._default_manager.filter(
                    **{f"{key.name}__in": people.values("pk")}
                )
                break
    return tables


def dependency_order(tables) -> list:
    """Tables sorted so that each comes after the tables it references (cycles: any order)."""
    ordered, placed = [], set()

    def place(model, stack):
        if model in placed or model in stack:
            return
        stack.add(model)
        for key in foreign_keys(model):
            if key.related_model in tables and key.related_model is not model:
                place(key.related_model, stack)
        stack.discard(model)
        placed.add(model)
        ordered.append(model)

    for model in sorted(tables, key=table_label):
        place(model, set())
    return ordered


def _find_detached(querysets: dict, nulled: dict, left_out: dict) -> bool:
    """Record references that leave the archive; True when a row had to be left out."""
    person = get_user_model()
    grew = False
    for model, queryset in querysets.items():
        for key in foreign_keys(model):
            target = key.related_model
            if target is person and target in querysets:
                continue
            outside = queryset.filter(**{f"{key.attname}__isnull": False})
            if target in querysets:
                outside = outside.exclude(**{f"{key.attname}__in": querysets[target].values("pk")})
            for row in outside.iterator(chunk_size=500):
                if row.pk in left_out.get(model, ()):
                    continue
                if key.null:
                    setattr(row, key.attname, None)
                    for attname in nulled.get(model, {}).get(row.pk, []):
                        setattr(row, attname, None)
                    if _stands_alone(row):
                        nulled.setdefault(model, {}).setdefault(row.pk, []).append(key.attname)
                        continue
                left_out.setdefault(model, set()).add(row.pk)
                grew = True
    return grew


def _stands_alone(row) -> bool:
    try:
        row.validate_constraints()
    except ValidationError:
        return False
    return True


def restorable_tables() -> set:
    """Every table an archive may hold: those an export can write, found without any query."""
    keys = _cascading_keys()
    reached = {Publication}
    grew = True
    while grew:
        grew = False
        for model, model_keys in keys.items():
            if model not in reached and any(k.related_model in reached for k in model_keys):
                reached.add(model)
                grew = True
    person = get_user_model()
    reached.add(person)
    for model in apps.get_models():
        is_profile = any(k.one_to_one and k.related_model is person for k in foreign_keys(model))
        if is_profile and not is_excluded(model):
            reached.add(model)
    return reached


def collect_publication(publication: Publication) -> Collection:
    walk = _Walk(publication)
    scopes = {Publication: walk.scope(Publication)}
    for model in walk.keys:
        queryset = walk.scope(model)
        if queryset is not None:
            scopes[model] = queryset
    person = get_user_model()
    scopes[person] = _people(scopes)
    scopes.update(_profile_tables(scopes[person], scopes))

    nulled: dict = {}
    left_out: dict = {}
    querysets = scopes
    for _pass in range(MAX_DETACHED_PASSES):
        querysets = {
            model: queryset.exclude(pk__in=left_out[model]) if model in left_out else queryset
            for model, queryset in scopes.items()
        }
        nulled.clear()
        if not _find_detached(querysets, nulled, left_out):
            break
    ordered = dependency_order(set(querysets))
    return Collection(
        publication=publication,
        querysets={model: querysets[model] for model in ordered},
        nulled=nulled,
        left_out=left_out,
    )
