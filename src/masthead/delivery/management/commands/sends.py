"""`masthead sends`: list sends with their counts; pause, resume, cancel or watch one."""

import time

from django.core.management.base import BaseCommand, CommandError

from masthead.delivery.models import Send, SendState
from masthead.delivery.services import control
from masthead.delivery.services.progress import send_progress


class Command(BaseCommand):
    help = "List email sends; pause, resume, cancel or watch one."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--pause", type=int, metavar="ID", help="stop sending (resumable)")
        group.add_argument("--resume", type=int, metavar="ID", help="carry on a paused send")
        group.add_argument("--cancel", type=int, metavar="ID", help="stop a send for good")
        group.add_argument("--watch", type=int, metavar="ID", help="show a progress bar")
        parser.add_argument("--limit", type=int, default=20, help="how many sends to list")

    def handle(self, *args, pause, resume, cancel, watch, limit, **options):
        for send_id, action, verb in (
            (pause, control.pause_send, "paused"),
            (resume, control.resume_send, "resumed"),
            (cancel, control.cancel_send, "cancelled"),
        ):
            if send_id is not None:
                self._require(send_id)
                if not action(send_id):
                    state = Send.objects.get(id=send_id).state
                    raise CommandError(f"Send {send_id} is {state}; it cannot be {verb}.")
                self.stdout.write(f"Send {send_id} {verb}.")
                return
        if watch is not None:
            self._watch(self._require(watch))
            return
        self._list(limit)

    def _require(self, send_id: int) -> Send:
        send = Send.objects.filter(id=send_id).first()
        if send is None:
            raise CommandError(f"There is no send {send_id}.")
        return send

    def _list(self, limit: int) -> None:
        sends = Send.objects.select_related("publication").order_by("-id")[:limit]
        self.stdout.write(
            f"{'ID':>5}  {'STATE':<9}  {'RECIPIENTS':>10}  {'QUEUED':>8}  {'SENT':>8}  "
            f"{'FAILED':>6}  {'BOUNCED':>7}  SUBJECT"
        )
        for send in sends:
            progress = send_progress(send.id)
            queued = progress["queued"] + progress["sending"]
            self.stdout.write(
                f"{send.id:>5}  {send.state:<9}  {send.recipient_count:>10}  {queued:>8}  "
                f"{progress['sent']:>8}  {progress['failed']:>6}  {progress['bounced']:>7}  "
                f"{send.publication.name}: {send.subject}"
            )

    def _watch(self, send: Send) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ) as bar:
            task = bar.add_task(f"Send {send.id}", total=send.recipient_count)
            while True:
                send.refresh_from_db(fields=["state"])
                progress = send_progress(send.id)
                finished = send.recipient_count - progress["queued"] - progress["sending"]
                bar.update(
                    task,
                    completed=finished,
                    description=(
                        f"Send {send.id} ({send.state}, {progress['failed']} failed, "
                        f"{progress['bounced']} bounced)"
                    ),
                )
                if send.state in {SendState.DONE, SendState.CANCELLED}:
                    break
                time.sleep(1)
