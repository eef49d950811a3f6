"""The subscriber import, run by the worker: one task per confirmed CSV import."""

from django.tasks import task

from masthead.subscriptions.importing import run_import


@task()
def run_subscriber_import(job_id: int) -> None:
    # Safe to run twice: run_import claims the job with a conditional UPDATE and resumes after
    # the last committed batch.
    run_import(job_id)
