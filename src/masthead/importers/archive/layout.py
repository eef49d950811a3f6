"""What a Masthead archive holds and where: names of its files, its manifest, its version.

docs/archive-format.md describes the same layout for people; change both together, and raise
SCHEMA_VERSION when a restore of an older install could no longer read what is written.
"""

import datetime as dt
import json
import zipfile
import zlib
from importlib.metadata import PackageNotFoundError, version

from masthead.importers.source import ExportError

FORMAT = "masthead-archive"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
SUBSCRIBERS_CSV = "subscribers.csv"
DATA_PREFIX = "data/"
MEDIA_PREFIX = "media/"

# Tables never written: the install's own bookkeeping (sessions, task queue, permissions, admin
# log), rate limits, live connections, and runs of imports and exports, whose files stay on the
# install that ran them.
EXCLUDED_TABLES = frozenset(
    {
        "sessions.session",
        "contenttypes.contenttype",
        "auth.permission",
        "auth.group",
        "admin.logentry",
        "core.ratecounter",
        "chat.chatpresence",
        "importers.exportrun",
        "importers.importrun",
        "importers.importreportline",
        "subscriptions.importjob",
        "subscriptions.importproblem",
    }
)
EXCLUDED_APPS = frozenset(
    {"django_tasks_db", "django_tasks_database", "sessions", "contenttypes", "admin"}
)

# A person's columns that stay on the install they were made on: a password hash is a secret,
# install-wide staff rights are not the publication's to give, the last sign-in is a session's.
PERSON_COLUMNS_LEFT_OUT = frozenset({"password", "is_superuser", "is_staff", "last_login"})


def table_label(model) -> str:
    return model._meta.label_lower


def data_name(label: str) -> str:
    return f"{DATA_PREFIX}{label}.jsonl"


def masthead_version() -> str:
    try:
        return version("masthead")
    except PackageNotFoundError:
        return "unknown"


def build_manifest(publication, tables: dict[str, int], files: dict[str, int]) -> dict:
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "masthead_version": masthead_version(),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "publication": {"slug": publication.slug, "name": publication.name},
        "tables": tables,
        "files": files,
    }


def read_manifest(files) -> dict:
    """The archive's manifest, checked; ExportError when this is no archive this install reads."""
    if not files.has(MANIFEST):
        raise ExportError(
            "This is not a Masthead archive: it has no manifest.json. Export the publication "
            "again with “masthead export” or the desk's Export page."
        )
    try:
        manifest = json.loads(files.read_bytes(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError, zipfile.BadZipFile, zlib.error):
        raise ExportError("The archive's manifest.json cannot be read: it is not JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportError("This is not a Masthead archive: its manifest.json says otherwise.")
    schema = manifest.get("schema_version")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise ExportError("The archive's manifest.json has no valid schema_version.")
    if schema > SCHEMA_VERSION:
        raise ExportError(
            f"This archive was written by a newer Masthead (archive version {schema}; this "
            f"install reads up to {SCHEMA_VERSION}). Upgrade Masthead, then restore it again."
        )
    publication = manifest.get("publication")
    tables = manifest.get("tables")
    if (
        not isinstance(publication, dict)
        or not isinstance(publication.get("slug"), str)
        or not publication["slug"]
        or not isinstance(tables, dict)
        or not all(isinstance(count, int) for count in tables.values())
    ):
        raise ExportError("The archive's manifest.json lacks the publication or its tables.")
    return manifest
