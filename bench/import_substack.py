"""Benchmark: importing a Substack export of 1,000 posts and 100,000 subscribers.

    .venv/bin/python bench/import_substack.py [--posts 1000] [--subscribers 100000]
        [--history-per-post 100] [--no-tracemalloc]

Sets up Django on a temporary SQLite data folder, migrates, builds a made-up Substack export
zip with tests/importers/substack_export.py (every post's body in Substack's markup with one
captioned image, a paywall jump and a footnote; the image URLs on a local HTTP server started
here (tests/importers/image_host.py), which answers every image with the same small PNG; posts.csv, an email_list CSV of the
subscribers, a tenth of them paid, comped or gifted, and delivers/opens CSVs: each post sent to
--history-per-post subscribers, about half of whom opened it), then runs what `masthead import
substack` runs: store the zip, check it, import posts (fetching and storing images), subscribers
and email history in committed batches. Prints the time of each phase, and the peak memory: the
process's peak resident size (ru_maxrss, which includes building the export) and the peak of
memory Python allocated during the import (tracemalloc; slows Python by about half; skip it
with --no-tracemalloc for the speed alone).
Ends with one line:
RESULT posts=N subscribers=N deliveries=N seconds=S peak_mb=M traced_peak_mb=T
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_chunks(path: Path, size: int = 1024 * 1024):
    with path.open("rb") as stream:
        while chunk := stream.read(size):
            yield chunk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--history-per-post", type=int, default=100)
    parser.add_argument("--no-tracemalloc", action="store_true")
    options = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="masthead-bench-substack-"))
    os.environ["MASTHEAD_DATA_DIR"] = str(data_dir)
    os.environ["MASTHEAD_SECRET_KEY"] = "bench-only-secret-key"
    os.environ["MASTHEAD_IMPORT_IMAGES_FROM_PRIVATE_HOSTS"] = "1"  # the image server is local
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    os.environ.setdefault("MASTHEAD_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return run(data_dir, options, trace=not options.no_tracemalloc)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(data_dir: Path, options, trace: bool) -> int:
    from tests.importers.image_host import serving_images

    with serving_images() as image_host:
        return import_export(data_dir, options, trace, f"{image_host}/images")


def import_export(data_dir: Path, options, trace: bool, image_base: str) -> int:
    from tests.importers.substack_export import build_substack_export

    from masthead.delivery.models import Delivery
    from masthead.importers import runs
    from masthead.importers.models import RunState
    from masthead.posts.models import Post
    from masthead.publications.models import Publication
    from masthead.subscriptions.models import Subscription

    publication = Publication.objects.create(name="Bench Weekly", slug="bench-weekly")
    export = data_dir / "substack-export.zip"
    started = time.perf_counter()
    build_substack_export(
        export,
        posts=options.posts,
        subscribers=options.subscribers,
        history_per_post=options.history_per_post,
        image_base_url=image_base,
    )
    print(
        f"export: {options.posts:,} posts, {options.subscribers:,} subscribers, "
        f"{export.stat().st_size / 1e6:.1f} MB zip, built in {time.perf_counter() - started:.1f} s"
    )

    if trace:
        tracemalloc.start()
    phase_started = {}

    def progress(current):
        phase_started.setdefault(current.phase, time.perf_counter())

    started = time.perf_counter()
    paths = runs.store_files([(export.name, read_chunks(export))])
    run = runs.start_import(
        publication, None, "substack", paths, [export.name], in_background=False
    )
    run = runs.run_import(run.id, on_progress=progress)
    finished = time.perf_counter()
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()

    assert run is not None and run.state == RunState.DONE, run and run.error
    posts = Post.objects.filter(publication=publication).count()
    subscribers = Subscription.objects.filter(publication=publication).count()
    deliveries = Delivery.objects.filter(send__publication=publication).count()
    seconds = finished - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    marks = sorted(phase_started.items(), key=lambda item: item[1]) + [("end", finished)]
    print(f"check the export: {marks[0][1] - started:.2f} s")
    for (phase, at), (_next, until) in zip(marks, marks[1:], strict=False):
        print(f"{phase + ':':17} {until - at:.2f} s")
    print(f"total:            {seconds:.2f} s")
    print(f"imported: {posts:,} posts, {subscribers:,} subscribers, {deliveries:,} deliveries")
    print(f"report lines: {run.report_lines.count():,}; counts: {run.counts}")
    print(f"peak resident memory (ru_maxrss): {peak_mb:.1f} MB")
    if trace:
        print(
            f"peak Python allocations during the import (tracemalloc): {traced_peak / 1e6:.1f} MB"
        )
    print(
        f"RESULT posts={posts} subscribers={subscribers} deliveries={deliveries} "
        f"seconds={seconds:.2f} peak_mb={peak_mb:.1f} traced_peak_mb={traced_peak / 1e6:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
