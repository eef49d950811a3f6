"""Imports and exports, run by the worker."""

from django.tasks import task

from masthead.importers.runs import run_import


@task()
def run_platform_import(run_id: int) -> None:
    # Safe to run twice: run_import claims the run with a conditional UPDATE and resumes after
    # the last committed batch.
    run_import(run_id)
