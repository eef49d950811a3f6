"""The desk's export of a whole publication, run by the worker: one task per ExportRun."""

from django.tasks import task

from masthead.importers.archive.runs import run_export


@task()
def run_publication_export(run_id: int) -> None:
    # Safe to run twice: run_export claims the run with a conditional UPDATE.
    run_export(run_id)
