"""The send task: works on a send for a while, having first queued its own successor."""

from django.tasks import task

from masthead.delivery.services.send_task import work_on_send


@task()
def run_send(send_id: int) -> str:
    return work_on_send(send_id, lambda: run_send.enqueue(send_id))
