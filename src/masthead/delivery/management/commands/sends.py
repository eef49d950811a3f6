"""`masthead sends`: list sends with their counts by outcome; show, pause, resume, cancel or
watch one, with the most common reasons its deliveries bounced, failed or wait for a retry."""

import time

from django.core.management.base import BaseCommand, CommandError

from masthead.delivery.models import Send, SendState
from masthead.delivery.queries import (
    common_reasons,
    outcomes_by_send,
    send_outcomes,
    unfinished_count,
)
from masthead.delivery.services import control

# (heading, key in delivery.queries.OUTCOMES): QUEUED is never tried yet, RETRYING was refused
# for now (greylisted, say) and waits for its next attempt.
COLUMNS = [
    ("QUEUED", "queued"),
    ("SENT", "sent"),
    ("FAILED", "failed"),
    ("BOUNCED", "bounced"),
    ("RETRYING", "retrying"),
    ("SENDING", "sending"),
    ("SUPPRESSED", "suppressed"),
]


class Command(BaseCommand):
    help = "List email sends; show, pause, resume, cancel or watch one."

    def add_arguments(self, parser):
        parser.add_argument(
            "send_id", nargs="?", type=int, metavar="ID", help="show one send and its reasons"
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--pause", type=int, metavar="ID", help="stop sending (resumable)")
        group.add_argument("--resume", type=int, metavar="ID", help="carry on a paused send")
        group.add_argument("--cancel", type=int, metavar="ID", help="stop a send for good")
        group.add_argument("--watch", type=int, metavar="ID", help="show a progress bar")
        parser.add_argument("--limit", type=int, default=20, help="how many sends to list")

    def handle(self, *args, send_id, pause, resume, cancel, watch, limit, **options):
        for action_id, action, verb in (
            (pause, control.pause_send, "paused"),
            (resume, control.resume_send, "resumed"),
            (cancel, control.cancel_send, "cancelled"),
        ):
            if action_id is not None:
                self._require(action_id)
                if not action(action_id):
                    state = Send.objects.get(id=action_id).state
                    raise CommandError(f"Send {action_id} is {state}; it cannot be {verb}.")
                self.stdout.write(f"Send {action_id} {verb}.")
                return
        if watch is not None:
            send = self._require(watch)
            self._watch(send)
            self._reasons(send)
            return
        if send_id is not None:
            self._show(self._require(send_id))
            return
        self._list(limit)

    def _require(self, send_id: int) -> Send:
        send = Send.objects.select_related("publication").filter(id=send_id).first()
        if send is None:
            raise CommandError(f"There is no send {send_id}.")
        return send

    def _header(self) -> str:
        counts = "  ".join(heading for heading, _ in COLUMNS)
        return f"{'ID':>5}  {'STATE':<9}  {'RECIPIENTS':>10}  {counts}  SUBJECT"

    def _row(self, send: Send, outcomes: dict[str, int]) -> str:
        counts = "  ".join(f"{outcomes[key]:>{len(heading)}}" for heading, key in COLUMNS)
        return (
            f"{send.id:>5}  {send.state:<9}  {send.recipient_count:>10}  {counts}  "
            f"{send.publication.name}: {send.subject}"
        )

    def _list(self, limit: int) -> None:
        sends = list(Send.objects.select_related("publication").order_by("-id")[:limit])
        outcomes = outcomes_by_send(send.id for send in sends)  # one query for all of them
        self.stdout.write(self._header())
        for send in sends:
            self.stdout.write(self._row(send, outcomes[send.id]))

    def _show(self, send: Send) -> None:
        self.stdout.write(self._header())
        self.stdout.write(self._row(send, send_outcomes(send.id)))
        self._reasons(send)

    def _reasons(self, send: Send) -> None:
        reasons = common_reasons(send.id)
        if not reasons:
            return
        self.stdout.write("")
        self.stdout.write("Most common reasons (bounced, failed, retrying):")
        for reason, count in reasons:
            self.stdout.write(f"{count:>7}  {reason}")

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
                outcomes = send_outcomes(send.id)
                bar.update(
                    task,
                    completed=send.recipient_count - unfinished_count(outcomes),
                    description=(
                        f"Send {send.id} ({send.state}, {outcomes['failed']} failed, "
                        f"{outcomes['bounced']} bounced, {outcomes['retrying']} retrying)"
                    ),
                )
                if send.state in {SendState.DONE, SendState.CANCELLED}:
                    break
                time.sleep(1)
