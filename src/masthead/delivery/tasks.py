"""The send task: works on a send for a while, having first queued its own successor; and the
subject test's decision, due when its wait is over."""

from django.tasks import task

from masthead.delivery.services.send_task import work_on_send
from masthead.delivery.services.subject_tests import decide_test


@task()
def run_send(send_id: int) -> str:
    return work_on_send(send_id, lambda: run_send.enqueue(send_id))


@task()
def decide_subject_test(send_id: int) -> bool:
    """Runs at the test's decision time; the worker's recovery rounds decide it too if this is
    late or lost, and whichever comes second finds it decided."""
    return decide_test(send_id)
