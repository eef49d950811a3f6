"""An import that stops part-way resumes after its last committed batch: nobody twice, nobody lost."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from masthead.accounts.models import Person
from masthead.subscriptions import importing
from masthead.subscriptions.import_models import ImportJob, ImportState
from masthead.subscriptions.tasks_import import run_subscriber_import

pytestmark = pytest.mark.django_db

BATCH = 10
# 35 rows: 33 good addresses, row 7 invalid, row 30 repeats row 3 (from an earlier batch).
ROWS = [f"reader{number}@example.com" for number in range(1, 34)]
ROWS.insert(5, "not-an-address")
ROWS.insert(28, "reader2@example.com")
CONTENT = "email\n" + "\n".join(ROWS) + "\n"


class Crash(Exception):
    pass


@pytest.fixture(autouse=True)
def small_batches(settings):
    settings.SUBSCRIBER_IMPORT_BATCH_SIZE = BATCH


@pytest.fixture
def crash_on_batch(monkeypatch):
    """Make the import fail in the given batch, as a worker that dies mid-import would."""
    real_import_batch = importing.import_batch

    def arm(number: int) -> None:
        calls = iter(range(1, 1000))

        def failing(job, rows):
            if next(calls) == number:
                real_import_batch(job, rows)  # its writes are rolled back with the batch
                raise Crash("the worker died")
            return real_import_batch(job, rows)

        monkeypatch.setattr(importing.jobs, "import_batch", failing)

    def disarm() -> None:
        monkeypatch.setattr(importing.jobs, "import_batch", real_import_batch)

    arm.disarm = disarm
    return arm


@pytest.fixture
def confirmed_job(publication):
    job = importing.prepare_import(publication, None, [CONTENT.encode()], "readers.csv")
    return importing.confirm_import(job)


def assert_everyone_imported_once(publication, job):
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert (job.processed_rows, job.created_count, job.skipped_count) == (35, 33, 2)
    assert publication.subscriptions.count() == 33
    assert Person.objects.filter(email__startswith="reader").count() == 33
    assert list(job.problems.order_by("row_number").values_list("row_number", "reason")) == [
        (7, "not a valid email address"),
        (30, "duplicate of row 3"),
    ]


def test_a_crash_stops_the_import_after_the_last_committed_batch(
    confirmed_job, publication, crash_on_batch, run_worker
):
    crash_on_batch(3)

    run_worker()

    confirmed_job.refresh_from_db()
    assert confirmed_job.state == ImportState.FAILED
    assert "unexpected error (Crash)" in confirmed_job.error
    assert confirmed_job.processed_rows == 2 * BATCH
    assert publication.subscriptions.count() == 2 * BATCH - 1  # row 7 is invalid


def test_running_the_task_again_after_a_crash_imports_the_rest_once(
    confirmed_job, publication, crash_on_batch, run_worker
):
    crash_on_batch(3)
    run_worker()
    crash_on_batch.disarm()

    run_subscriber_import.enqueue(confirmed_job.id)
    run_worker()

    assert_everyone_imported_once(publication, confirmed_job)


def test_resuming_from_the_job_page_imports_the_rest_once(
    confirmed_job, publication, owner_client, crash_on_batch, run_worker
):
    crash_on_batch(2)
    run_worker()
    crash_on_batch.disarm()
    page = owner_client.get(
        reverse("desk:subscriber_import_job", args=[publication.slug, confirmed_job.id])
    )
    assert "Resume the import" in page.text

    owner_client.post(
        reverse("desk:subscriber_import_resume", args=[publication.slug, confirmed_job.id])
    )
    run_worker()

    assert_everyone_imported_once(publication, confirmed_job)


def test_an_import_abandoned_by_a_dead_worker_is_taken_over_after_a_while(
    confirmed_job, publication, crash_on_batch, run_worker
):
    crash_on_batch(3)
    run_worker()
    crash_on_batch.disarm()
    # A killed worker leaves no error behind: the job still says it is running.
    ImportJob.objects.filter(id=confirmed_job.id).update(
        state=ImportState.RUNNING, heartbeat_at=timezone.now()
    )

    assert importing.run_import(confirmed_job.id) is None  # it might still be running
    with time_machine.travel(timezone.now() + importing.ABANDONED_AFTER + dt.timedelta(seconds=1)):
        importing.run_import(confirmed_job.id)

    assert_everyone_imported_once(publication, confirmed_job)


def test_running_a_finished_import_again_changes_nothing(confirmed_job, publication, run_worker):
    run_worker()

    assert importing.run_import(confirmed_job.id) is None

    assert_everyone_imported_once(publication, confirmed_job)


def test_an_import_whose_file_is_gone_stops_with_a_clear_error(confirmed_job, media_root):
    (media_root / confirmed_job.stored_path).unlink()

    with pytest.raises(importing.ImportFileError):
        importing.run_import(confirmed_job.id)

    confirmed_job.refresh_from_db()
    assert confirmed_job.state == ImportState.FAILED
    assert "no longer on this server" in confirmed_job.error
