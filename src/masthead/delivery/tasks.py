"""The send task: works on a send for a while, having first queued its own successor."""

from django.tasks import task

from masthead.delivery import services


@task()
def run_send(send_id: int) -> str:
    return services.work_on_send(send_id, lambda: run_send.enqueue(send_id))
