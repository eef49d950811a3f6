"""Writing a publication's archive: its rows, readable posts, media and a subscriber list."""

import contextlib
import csv
import io
import json
import os
import re
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import FileField
from django.utils.html import escape

from masthead.importers.archive import layout
from masthead.importers.archive.collect import collect_publication
from masthead.importers.archive.rows import (
    column_names,
    dumps,
    exported_fields,
    in_column_order,
    values_to_dict,
)
from masthead.posts.models import Post
from masthead.publications.models import Publication
from masthead.subscriptions.exporting import guard_formula
from masthead.subscriptions.models import Subscription

Progress = Callable[[int, int], None]
CHUNK_SIZE = 2000
# Files under MEDIA_ROOT named in Markdown or HTML: ![](/media/imports/a.png), src="/media/…".
MEDIA_REFERENCE = re.compile(r"""/media/([^\s)"'<>?#]+)""")

SUBSCRIBER_COLUMNS = [
    "email",
    "name",
    "status",
    "source",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
    "paid_plan",
    "paid_status",
    "paid_period_end",
    "stripe_customer_id",
    "stripe_subscription_id",
    "labels",
]


def export_publication(publication: Publication, out_path, *, progress: Progress | None = None):
    """Write the archive to out_path atomically; returns its manifest."""
    out_path = Path(out_path)
    collection = collect_publication(publication)
    counts = {
        layout.table_label(model): queryset.count()
        for model, queryset in collection.querysets.items()
    }
    tick = _Ticker(progress, sum(counts.values()))
    temporary = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex}.part")
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            media = set()
            for model, queryset in collection.querysets.items():
                media |= _write_table(archive, model, queryset, collection, tick)
            post_count, page_count = _write_readable_posts(archive, publication)
            media |= _media_named_in_text(publication)
            media_written, media_missing = _write_media(archive, media)
            subscriber_count = _write_subscribers(archive, publication)
            files = {
                "posts": post_count,
                "pages": page_count,
                "media": len(media_written),
                "media_missing": len(media_missing),
                "subscribers_csv_rows": subscriber_count,
            }
            manifest = layout.build_manifest(publication, counts, files)
            manifest["media_missing"] = sorted(media_missing)
            manifest["left_out"] = {
                layout.table_label(model): sorted(pks) for model, pks in collection.left_out.items()
            }
            archive.writestr(layout.MANIFEST, _json(manifest))
        os.replace(temporary, out_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return manifest


class _Ticker:
    """Calls progress(done, total) about every few hundred rows, not for each."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.done = progress, total, 0
        self._report(force=True)

    def add(self, count: int = 1):
        self.done += count
        self._report(force=self.done == self.total or self.done % 500 == 0)

    def _report(self, force: bool):
        if self.progress is not None and force:
            self.progress(self.done, self.total)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _write_table(archive, model, queryset, collection, tick) -> set[str]:
    fields = exported_fields(model)
    if not any(f.primary_key for f in fields):
        fields = [model._meta.pk, *fields]
    files = [index for index, f in enumerate(in_column_order(fields)) if isinstance(f, FileField)]
    nulled = collection.nulled.get(model, {})
    media = set()
    name = layout.data_name(layout.table_label(model))
    rows = queryset.order_by("pk").values_list(*column_names(fields))
    with archive.open(name, "w", force_zip64=True) as stream:
        for values in rows.iterator(chunk_size=CHUNK_SIZE):
            stream.write(dumps(values_to_dict(values, fields, nulled.get(values[0], ()))))
            media.update(values[index] for index in files if values[index])
            tick.add()
    return media


def _media_named_in_text(publication) -> set[str]:
    texts = [publication.about_markdown, publication.about_html]
    for body, html in Post.objects.filter(publication=publication).values_list(
        "body_markdown", "body_html"
    ):
        texts += [body, html]
    return {match for text in texts for match in MEDIA_REFERENCE.findall(text or "")}


def media_path(name: str) -> Path | None:
    """The file under MEDIA_ROOT a stored name means, or None if it would lead outside it."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path != root else None


def _write_media(archive, names: set[str]) -> tuple[list[str], list[str]]:
    written, missing = [], []
    for name in sorted(names):
        path = media_path(name)
        if path is None or not path.is_file():
            missing.append(name)
            continue
        archive.write(path, f"{layout.MEDIA_PREFIX}{PurePosixPath(name)}")
        written.append(name)
    return written, missing


def _front_matter(post) -> str:
    authors = [person.name for person in post.authors.all()]
    fields = {
        "title": post.title,
        "subtitle": post.subtitle,
        "date": post.published_at.isoformat() if post.published_at else "",
        "audience": post.audience,
        "status": post.status,
        "section": post.section.name if post.section else "",
        "authors": authors,
    }
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def _write_readable_posts(archive, publication) -> tuple[int, int]:
    counts = {"posts": 0, "pages": 0}
    posts = (
        Post.objects.filter(publication=publication)
        .select_related("section")
        .prefetch_related("authors")
        .order_by("pk")
    )
    for post in posts.iterator(chunk_size=200):
        folder = "pages" if getattr(post, "kind", "post") == "page" else "posts"
        counts[folder] += 1
        archive.writestr(f"{folder}/{post.slug}.md", _front_matter(post) + post.body_markdown)
        title = escape(post.title)
        html = (
            f'<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>{title}</title>\n'
            f"<h1>{title}</h1>\n<p>{escape(post.subtitle)}</p>\n{post.body_html}\n</html>\n"
        )
        archive.writestr(f"{folder}/{post.slug}.html", html)
    return counts["posts"], counts["pages"]


def _write_subscribers(archive, publication) -> int:
    has_labels = any(f.name == "labels" for f in Subscription._meta.get_fields())
    subscriptions = Subscription.objects.filter(publication=publication).order_by("pk")
    columns = subscriptions.values_list(
        "person_id",
        "person__email",
        "person__display_name",
        "status",
        "source",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "paid__plan__name",
        "paid__status",
        "paid__current_period_end",
        "paid__stripe_subscription_id",
    )
    labels = _labels(subscriptions) if has_labels else {}
    customers = _stripe_customers(publication)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SUBSCRIBER_COLUMNS)
    count = 0
    with archive.open(layout.SUBSCRIBERS_CSV, "w", force_zip64=True) as stream:
        for row in columns.iterator(chunk_size=CHUNK_SIZE):
            (person_id, email, name, status, source, created, confirmed, unsubscribed,
             plan, paid_status, period_end, stripe_subscription) = row  # fmt: skip
            cells = [
                email, name, status, source, _iso(created), _iso(confirmed), _iso(unsubscribed),
                plan, paid_status, _iso(period_end), customers.get(person_id),
                stripe_subscription, labels.get(person_id),
            ]  # fmt: skip
            writer.writerow([guard_formula(str(cell or "")) for cell in cells])
            count += 1
            if count % 500 == 0:
                stream.write(buffer.getvalue().encode())
                buffer.seek(0)
                buffer.truncate()
        stream.write(buffer.getvalue().encode())
    return count


def _stripe_customers(publication) -> dict[int, str]:
    person = get_user_model()
    accessor = "stripe_customer__stripe_customer_id"
    if not any(f.name == "stripe_customer" for f in person._meta.get_fields()):
        return {}
    return dict(
        person.objects.filter(subscriptions__publication=publication)
        .exclude(**{f"{accessor}__isnull": True})
        .values_list("pk", accessor)
    )


def _labels(subscriptions) -> dict[int, str]:
    """Each subscriber's labels, when subscriptions have them (a list, or related rows)."""
    labels: dict[int, list[str]] = {}
    for person_id, label in subscriptions.values_list("person_id", "labels"):
        if isinstance(label, list | tuple):
            labels.setdefault(person_id, []).extend(str(item) for item in label)
        elif label not in (None, ""):
            labels.setdefault(person_id, []).append(str(label))
    return {person_id: ", ".join(names) for person_id, names in labels.items()}


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""
