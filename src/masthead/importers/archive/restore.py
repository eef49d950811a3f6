"""Restoring a Masthead archive onto this install: all or nothing, in one transaction.

The archive is read twice: once to check it and learn its ids (nothing written), then to write
the rows in dependency order. Original ids are kept when free, so a restore on a fresh install
gives identical tables; a taken id gets a new one, and every reference to it follows.
"""

import hashlib
import json
import shutil
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Max
from django.db.models.functions import Lower

from masthead.importers.archive import layout
from masthead.importers.archive.collect import (
    dependency_order,
    foreign_keys,
    is_excluded,
    restorable_tables,
)
from masthead.importers.archive.export import media_path
from masthead.importers.archive.rows import exported_fields
from masthead.importers.source import ExportError, LineKind, ReportLine
from masthead.pagecache import invalidation
from masthead.publications.models import Publication

BATCH_SIZE = 1000
# Reused people each get a report line, up to this many.
MAX_REUSED_LINES = 200
Progress = Callable[[int, int], None]


@dataclass
class RestoreResult:
    publication: Publication
    counts: dict[str, int] = field(default_factory=dict)  # table label -> rows written
    people_reused: int = 0
    media_copied: int = 0
    report: list[ReportLine] = field(default_factory=list)


@dataclass
class _Table:
    model: type[models.Model]
    name: str  # its data file
    row_count: int = 0
    max_pk: object = None
    pks: set | None = None  # kept only for tables other rows reference
    # Original id -> id on this install, for the ids that could not be kept.
    moved: dict = field(default_factory=dict)
    next_pk: int | None = None


def restore_archive(files, *, progress: Progress | None = None) -> RestoreResult:
    manifest = layout.read_manifest(files)
    slug = manifest["publication"]["slug"]
    _refuse_existing(slug)
    try:
        tables = _survey(files, manifest)
        people = _read_people(files, tables)
        media = _plan_media(files)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ExportError(
            f"The archive is damaged ({error}): nothing was changed. Download or export it again."
        ) from None
    total = sum(table.row_count for table in tables.values()) + len(media.to_copy)
    result = RestoreResult(publication=None)  # type: ignore[arg-type]
    ticker = _Ticker(progress, total)
    try:
        with transaction.atomic():
            _refuse_existing(slug)
            writer = _Writer(tables, people, media, result, ticker)
            for model in dependency_order(set(tables)):
                writer.write_table(files, tables[model])
            _reset_sequences([table.model for table in tables.values()])
            connection.check_constraints(
                table_names=[table.model._meta.db_table for table in tables.values()]
            )
            _copy_media(files, media, ticker)
            result.media_copied = len(media.to_copy)
            result.publication = Publication.objects.filter(slug=slug).first()
            if result.publication is None:
                raise ExportError("The archive's publication does not match its manifest.json.")
    except IntegrityError as error:
        media.remove_copied()
        raise ExportError(
            "The archive's rows conflict with rows already on this install (for example a host "
            f"name, a Stripe id or a referral code in use): nothing was changed. ({error})"
        ) from None
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        media.remove_copied()
        raise ExportError(
            f"The archive is damaged ({error}): nothing was changed. Download or export it again."
        ) from None
    except BaseException:
        media.remove_copied()
        raise
    result.report.extend(media.report)
    invalidation.site_changed()
    return result


def _refuse_existing(slug: str) -> None:
    if Publication.objects.filter(slug=slug).exists():
        raise ExportError(
            f"A publication with the address “{slug}” already exists on this install: nothing "
            "was changed. Delete or rename that publication first, then restore again."
        )


class _Ticker:
    def __init__(self, progress, total):
        self.progress, self.total, self.done = progress, total, 0
        if progress:
            progress(0, total)

    def add(self, count):
        self.done += count
        if self.progress:
            self.progress(self.done, self.total)


# Reading ----------------------------------------------------------------------------------------


def _rows(files, name: str) -> Iterator[tuple[int, dict]]:
    with files.open_binary(name) as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (UnicodeDecodeError, ValueError):
                raise ExportError(
                    f"{name}, line {number}, is not JSON: the archive is damaged."
                ) from None
            if not isinstance(row, dict) or "pk" not in row:
                raise ExportError(f"{name}, line {number}, is not a row: the archive is damaged.")
            yield number, row


def _model_for(label: str):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise ExportError(
            f"The archive holds a table this install does not know ({label}): it was written by "
            "another version of Masthead. Upgrade this install, then restore again."
        ) from None
    if is_excluded(model) or model not in restorable_tables():
        raise ExportError(f"The archive holds a table that is never restored ({label}).")
    return model


def _survey(files, manifest) -> dict:
    """Every table of the archive, its row count and ids; checks what can be checked unwritten."""
    names = {
        name.removeprefix(layout.DATA_PREFIX).removesuffix(".jsonl"): name
        for name in files.names
        if name.startswith(layout.DATA_PREFIX) and name.endswith(".jsonl")
    }
    if set(names) != set(manifest["tables"]):
        raise ExportError(
            "The archive's data files do not match its manifest.json: the archive is incomplete."
        )
    tables = {}
    for label, name in names.items():
        model = _model_for(label)
        tables[model] = _Table(model=model, name=name)
    if Publication not in tables:
        raise ExportError("The archive holds no publication.")
    referenced = {
        key.related_model
        for model in tables
        for key in foreign_keys(model)
        if key.related_model in tables
    }
    for model, table in tables.items():
        if model in referenced:
            table.pks = set()
        columns = {f.attname for f in exported_fields(model)} | {"pk"}
        pk_field = model._meta.pk
        for number, row in _rows(files, table.name):
            unknown = set(row) - columns
            if unknown:
                raise ExportError(
                    f"{table.name}, line {number}, has columns this install does not know "
                    f"({', '.join(sorted(unknown))}): upgrade Masthead, then restore again."
                )
            pk = _to_python(pk_field, row["pk"], table.name, number)
            if pk is None:
                raise ExportError(f"{table.name}, line {number}, has no id.")
            table.row_count += 1
            if table.pks is not None:
                table.pks.add(pk)
            if isinstance(pk, int) and (table.max_pk is None or pk > table.max_pk):
                table.max_pk = pk
        if manifest["tables"][layout.table_label(model)] != table.row_count:
            raise ExportError(f"{table.name} holds fewer or more rows than its manifest says.")
    if tables[Publication].row_count != 1:
        raise ExportError("The archive must hold exactly one publication.")
    return tables


def _to_python(model_field, value, name, number):
    try:
        result = model_field.to_python(value)
        if isinstance(result, int) and not -(2**63) <= result < 2**63:
            raise ValueError("out of any column's range")
        return result
    except (ValidationError, TypeError, ValueError, ArithmeticError):
        raise ExportError(
            f"{name}, line {number}: “{str(value)[:60]}” is not a valid {model_field.name}."
        ) from None


@dataclass
class _People:
    reused: dict = field(default_factory=dict)  # original id -> existing person's id


def _read_people(files, tables) -> _People:
    """People of the archive who already have an account here (same email) are reused."""
    person = get_user_model()
    people = _People()
    if person not in tables:
        return people
    emails = {}
    for number, row in _rows(files, tables[person].name):
        email = row.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise ExportError(f"{tables[person].name}, line {number}, has no email address.")
        emails[person.objects.normalize_email(email)] = row["pk"]
    addresses = list(emails)
    for start in range(0, len(addresses), BATCH_SIZE):
        chunk = addresses[start : start + BATCH_SIZE]
        existing = (
            person.objects.annotate(address=Lower("email"))
            .filter(address__in=chunk)
            .values_list("address", "pk")
        )
        for address, pk in existing:
            people.reused[emails[address]] = pk
    return people


# Media ------------------------------------------------------------------------------------------


@dataclass
class _Media:
    to_copy: dict = field(default_factory=dict)  # archive member -> name stored under MEDIA_ROOT
    renamed: dict = field(default_factory=dict)  # name in the archive's rows -> name stored
    copied: list = field(default_factory=list)
    report: list = field(default_factory=list)

    def remove_copied(self):
        for path in self.copied:
            Path(path).unlink(missing_ok=True)
        self.copied.clear()


def _digest(stream) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _plan_media(files) -> _Media:
    media = _Media()
    for member in files.names:
        if not member.startswith(layout.MEDIA_PREFIX):
            continue
        name = member.removeprefix(layout.MEDIA_PREFIX)
        target = media_path(name)
        if target is None:
            raise ExportError(
                f"The archive's file “{member}” would be written outside the media folder: "
                "nothing was changed."
            )
        if target.exists():
            with files.open_binary(member) as theirs, target.open("rb") as ours:
                if _digest(theirs) == _digest(ours):
                    continue  # the same file is already here
            stored = _free_name(name)
            media.renamed[name] = stored
            media.report.append(
                ReportLine(
                    LineKind.WARNING,
                    f"media {name}",
                    f"A different file already had this name; stored as {stored}.",
                )
            )
            name = stored
        media.to_copy[member] = name
    return media


def _free_name(name: str) -> str:
    path = PurePosixPath(name)
    while True:
        candidate = str(path.with_name(f"{path.stem}_{uuid.uuid4().hex[:8]}{path.suffix}"))
        target = media_path(candidate)
        if target is not None and not target.exists():
            return candidate


def _copy_media(files, media: _Media, ticker) -> None:
    for member, name in media.to_copy.items():
        target = media_path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with files.open_binary(member) as source, open(target, "xb") as out:
            media.copied.append(target)
            shutil.copyfileobj(source, out)
        ticker.add(1)


# Writing ----------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, tables, people: _People, media: _Media, result, ticker):
        self.tables, self.people, self.media = tables, people, media
        self.result, self.ticker = result, ticker
        self.person = get_user_model()
        for table in tables.values():
            self._start_ids(table)
            if table.pks is not None and table.model is not self.person:
                self._move_taken(table, sorted(table.pks, key=str))
        if self.person in tables:
            self._move_people(tables[self.person])

    def _start_ids(self, table):
        if isinstance(table.max_pk, int):
            highest = table.model._default_manager.aggregate(top=Max("pk"))["top"] or 0
            table.next_pk = max(highest, table.max_pk) + 1

    def _move_taken(self, table, pks: list) -> None:
        """Give a new id to each original id already used on this install."""
        for start in range(0, len(pks), BATCH_SIZE):
            chunk = pks[start : start + BATCH_SIZE]
            taken = table.model._default_manager.filter(pk__in=chunk).values_list("pk", flat=True)
            for pk in taken:
                if table.next_pk is None:
                    raise ExportError(
                        f"{table.name}: the row {pk} already exists on this install: nothing "
                        "was changed."
                    )
                table.moved[pk] = table.next_pk
                table.next_pk += 1

    def _move_people(self, table) -> None:
        free = [pk for pk in table.pks if pk not in self.people.reused]
        table.moved.update(self.people.reused)
        self._move_taken(table, free)
        self.result.people_reused = len(self.people.reused)

    def new_id(self, model, pk):
        return self.tables[model].moved.get(pk, pk)

    def write_table(self, files, table) -> None:
        model = table.model
        fields = [f for f in exported_fields(model) if not f.primary_key]
        keys = {f.attname: f for f in foreign_keys(model)}
        person_key = next(
            (f for f in keys.values() if f.one_to_one and f.related_model is self.person), None
        )
        batch, written = [], 0
        for number, row in _rows(files, table.name):
            old_pk = model._meta.pk.to_python(row["pk"])
            if model is self.person and old_pk in self.people.reused:
                if len(self.result.report) >= MAX_REUSED_LINES:
                    continue  # the count says the rest: RestoreResult.people_reused
                self.result.report.append(
                    ReportLine(
                        LineKind.WARNING,
                        f"person {row['email']}",
                        "An account with this email already exists here: it was kept as it "
                        "is and given this publication's rows.",
                    )
                )
                continue
            values = {}
            for model_field in fields:
                if model_field.attname in row:
                    values[model_field.attname] = self._value(
                        model_field, keys, row[model_field.attname], table.name, number
                    )
            batch.append((old_pk, values))
            if len(batch) >= BATCH_SIZE:
                written += self._insert(table, batch, person_key)
                batch = []
        if batch:
            written += self._insert(table, batch, person_key)
        self.result.counts[layout.table_label(model)] = written

    def _value(self, model_field, keys, raw, name, number):
        if model_field.attname in keys:
            if raw is None:
                return None
            target = model_field.related_model
            target_table = self.tables.get(target)
            pk = _to_python(target._meta.pk, raw, name, number)
            if target_table is None or pk not in target_table.pks:
                raise ExportError(
                    f"{name}, line {number}, refers to a {target._meta.verbose_name} ({pk}) that "
                    "is not in the archive: the archive is incomplete. Nothing was changed."
                )
            return self.new_id(target, pk)
        if isinstance(model_field, models.FileField):
            if not isinstance(raw, str) or (raw and media_path(raw) is None):
                raise ExportError(
                    f"{name}, line {number}: {model_field.name} is not a file name in the media "
                    "folder."
                )
            return self.media.renamed.get(raw, raw)
        return _to_python(model_field, raw, name, number)

    def _insert(self, table, batch, person_key) -> int:
        model = table.model
        if not table.pks:  # nothing references these rows: their ids are settled here
            self._move_taken(table, [pk for pk, _values in batch])
        if person_key is not None:
            batch = self._without_existing_profiles(table, batch, person_key)
        objects = [model(pk=self.new_id(model, old_pk), **values) for old_pk, values in batch]
        if model is self.person:
            # Restored people sign in by link: an unusable password, made once per batch (its
            # random tail only has to be no valid hash, not to differ between people).
            unusable = make_password(None)
            for obj in objects:
                obj.password = unusable
        try:
            with transaction.atomic():
                model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        except IntegrityError as error:
            raise ExportError(
                f"{table.name}: its rows conflict with rows already on this install "
                f"({error}). Nothing was changed."
            ) from None
        except (DatabaseError, OverflowError, ValueError, TypeError) as error:
            raise ExportError(
                f"{table.name} could not be written ({error}). Nothing was changed."
            ) from None
        self.ticker.add(len(batch))
        return len(objects)

    def _without_existing_profiles(self, table, batch, person_key):
        """A reused person keeps their own settings row; the archive's is not written."""
        people = [values.get(person_key.attname) for _pk, values in batch]
        existing = dict(
            table.model._default_manager.filter(
                **{f"{person_key.attname}__in": people}
            ).values_list(person_key.attname, "pk")
        )
        kept = []
        for old_pk, values in batch:
            if values.get(person_key.attname) in existing:
                table.moved[old_pk] = existing[values[person_key.attname]]
            else:
                kept.append((old_pk, values))
        return kept


def _reset_sequences(model_list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
