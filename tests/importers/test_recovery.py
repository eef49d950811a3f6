"""Imports and exports whose worker died are queued again and finish; live ones are left alone."""

import datetime as dt

import pytest
from django.utils import timezone

from masthead.importers import runs
from masthead.importers.models import ExportRun, ImportRun, RunState
from masthead.importers.recovery import ABANDONED_AFTER, requeue_abandoned_runs
from masthead.posts.models import Post
from masthead.subscriptions.models import Subscription
from tests.importers.substack_export import build_substack_export, generated_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def folders(settings, tmp_path):
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _run_left_by_a_dead_worker(publication, tmp_path, heartbeat_age) -> ImportRun:
    """A run claimed by a worker that died before its first batch committed."""
    rows = [generated_post(n) | {"body": "<p>Words.</p>"} for n in range(3)]
    export = build_substack_export(tmp_path / "e.zip", posts=rows, subscribers=5)
    paths = runs.store_files([("e.zip", [export.read_bytes()])])
    run = runs.start_import(publication, None, "substack", paths, ["e.zip"], in_background=False)
    ImportRun.objects.filter(id=run.id).update(
        state=RunState.RUNNING,
        phase="posts",
        totals={"posts": 3, "subscribers": 5, "deliveries": 0},
        heartbeat_at=timezone.now() - heartbeat_age,
    )
    return run


def test_an_import_whose_worker_died_is_queued_again_and_finishes(
    publication, folders, tmp_path, run_worker
):
    run = _run_left_by_a_dead_worker(publication, tmp_path, ABANDONED_AFTER + dt.timedelta(1))

    assert requeue_abandoned_runs() == [f"import {run.id}"]
    assert requeue_abandoned_runs() == []  # queued once
    run_worker()

    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error
    assert Post.objects.filter(publication=publication).count() == 3
    assert Subscription.objects.filter(publication=publication).count() == 5


def test_a_run_whose_worker_is_alive_is_left_alone(publication, folders, tmp_path):
    run = _run_left_by_a_dead_worker(publication, tmp_path, dt.timedelta(seconds=30))

    assert requeue_abandoned_runs() == []
    run.refresh_from_db()
    assert run.state == RunState.RUNNING


def test_an_export_whose_worker_died_is_written_again(publication, folders, run_worker):
    export = ExportRun.objects.create(
        publication=publication,
        state=RunState.RUNNING,
        heartbeat_at=timezone.now() - ABANDONED_AFTER - dt.timedelta(minutes=1),
    )

    assert requeue_abandoned_runs() == [f"export {export.id}"]
    run_worker()

    export.refresh_from_db()
    assert export.state == RunState.DONE and export.file_size > 0
