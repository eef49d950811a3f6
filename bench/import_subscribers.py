"""Benchmark: importing a large subscriber CSV, the way `masthead import-subscribers` does.

    .venv/bin/python bench/import_subscribers.py [ROWS] [--no-tracemalloc]

Sets up Django on a temporary SQLite data folder, migrates, creates a publication with 1% of
the addresses already subscribed, writes a CSV of ROWS rows (default 100,000; about 1%
invalid and 1% repeated), then runs the command's functions: prepare_import (store, check,
preview), confirm_import and run_import. Prints the time of each step, rows per second and
the peak memory: the process's peak resident size (ru_maxrss) and the peak of memory
allocated by Python during the import (tracemalloc, which slows Python down by about half;
--no-tracemalloc measures the speed alone).
Ends with one line: RESULT rows=N seconds=S peak_mb=M (M is ru_maxrss).
"""

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_csv(path: Path, rows: int) -> None:
    randomness = random.Random(42)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,name\n")
        for number in range(rows):
            draw = randomness.random()
            if draw < 0.01:
                out.write(f"broken-{number}@,Broken {number}\n")
            elif draw < 0.02 and number:
                repeat = randomness.randrange(number)
                out.write(f"reader{repeat}@example.com,Reader {repeat}\n")
            else:
                out.write(f"reader{number}@example.com,Reader {number}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--no-tracemalloc", action="store_true")
    options = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="masthead-bench-import-"))
    os.environ["MASTHEAD_DATA_DIR"] = str(data_dir)
    os.environ["MASTHEAD_SECRET_KEY"] = "bench-only-secret-key"
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    os.environ.setdefault("MASTHEAD_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT / "src"))
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return run(data_dir, options.rows, trace=not options.no_tracemalloc)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(data_dir: Path, rows: int, trace: bool) -> int:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from masthead.accounts.models import Person
    from masthead.publications.models import Publication
    from masthead.subscriptions import importing
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    publication = Publication.objects.create(name="Bench Weekly", slug="bench-weekly")
    already = [f"reader{number}@example.com" for number in range(0, rows, 100)]
    Person.objects.bulk_create(
        Person(email=email, password=make_password(None), created_at=timezone.now())
        for email in already
    )
    Subscription.objects.bulk_create(
        Subscription(publication=publication, person=person, status=SubscriptionStatus.ACTIVE)
        for person in Person.objects.filter(email__in=already)
    )
    csv_path = data_dir / "subscribers.csv"
    write_csv(csv_path, rows)
    print(f"CSV: {rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB")

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    job = importing.prepare_import(
        publication, None, importing.read_file_chunks(csv_path), csv_path.name
    )
    previewed = time.perf_counter()
    importing.confirm_import(job, in_background=False)
    job = importing.run_import(job.id)
    finished = time.perf_counter()
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()

    assert job is not None and job.processed_rows == job.total_rows == rows
    assert publication.subscriptions.count() == len(already) + job.created_count
    seconds = finished - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(
        f"preview: {job.new_count:,} new, {job.existing_count:,} on the list, "
        f"{job.duplicate_count:,} duplicates, {job.invalid_count:,} invalid"
    )
    print(f"import:  {job.created_count:,} created, {job.skipped_count:,} skipped")
    print(f"store + check + preview: {previewed - started:.2f} s")
    print(f"import:                  {finished - previewed:.2f} s")
    print(f"total:                   {seconds:.2f} s, {rows / seconds:,.0f} rows/s")
    print(f"peak resident memory (ru_maxrss): {peak_mb:.1f} MB")
    if trace:
        print(
            f"peak Python allocations during the import (tracemalloc): {traced_peak / 1e6:.1f} MB"
        )
    print(f"RESULT rows={rows} seconds={seconds:.2f} peak_mb={peak_mb:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
