"""Subject tests: a sample gets up to four subject lines, the winner goes to everyone else.

Every delivery is written at fan-out as for any send (nothing is lost). A test then marks a
random sample with the line each reader gets (Delivery.variant), sent at once, and holds the rest
(Delivery.is_held: queued, never claimed). When the wait is over, decide_test counts the sample's
opens (Delivery.opened_at, the tracking pixel) or clickers per line, records the winner (ties go
to the earliest line) and releases the held deliveries, which the send's task chains then send
with the winning line (sending.SendRenderer). The decision is a conditional UPDATE, so it
happens once whichever of the decision task and the worker's recovery rounds gets there first.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.delivery.services.departed import skip_departed_readers
from masthead.posts.models import SubjectTestMetric

MAX_SUBJECT_LINES = 4
MIN_SAMPLE_PERCENT = 2
MAX_SAMPLE_PERCENT = 50
WAIT_HOURS_CHOICES = (1, 2, 4, 8, 24)
# The sample's ids are written this many at a time (a bounded IN list for any database).
ID_CHUNK = 500


@dataclass(frozen=True)
class TestPlan:
    """How a subject test splits a list: the sample's size per line, and who waits for the
    winner. `sizes` is empty when the list is too small for a test."""

    recipient_count: int
    line_count: int
    sample_percent: int
    sizes: tuple[int, ...]

    @property
    def is_possible(self) -> bool:
        return bool(self.sizes)

    @property
    def sample_count(self) -> int:
        return sum(self.sizes)

    @property
    def rest_count(self) -> int:
        return self.recipient_count - self.sample_count


def plan_test(recipient_count: int, line_count: int, sample_percent: int) -> TestPlan:
    """The sample is `sample_percent` of the list (rounded up), split as evenly as can be between
    the lines. Too small a list for a test (a line would get nobody, or nobody would be left
    for the winner): no sizes, and everyone gets the first line."""
    sample = math.ceil(recipient_count * sample_percent / 100)
    sizes: tuple[int, ...] = ()
    if line_count >= 2 and line_count <= sample < recipient_count:
        base, extra = divmod(sample, line_count)
        sizes = tuple(base + (1 if index < extra else 0) for index in range(line_count))
    return TestPlan(recipient_count, line_count, sample_percent, sizes)


def subject_lines_of(post, first_line: str) -> list[str]:
    """The lines a post's test compares: its email's subject first, then the other lines typed
    (blank ones and repeats left out), at most four; a single line means no test."""
    lines = [first_line]
    for line in post.subject_test_lines if isinstance(post.subject_test_lines, list) else []:
        text = " ".join(str(line).split())[:300]
        if text and text not in lines:
            lines.append(text)
    return lines[:MAX_SUBJECT_LINES]


def start_test(send: Send, post) -> bool:
    """Called by fan-out, in its transaction, once the deliveries are written: mark the sample
    and hold the rest when the post asks for a test, the send is tracked and the list is big
    enough; whether a test started. Otherwise the send stays an ordinary one."""
    lines = subject_lines_of(post, send.subject)
    if len(lines) < 2 or not send.is_tracked:
        return False
    percent = min(max(post.subject_test_sample_percent, MIN_SAMPLE_PERCENT), MAX_SAMPLE_PERCENT)
    plan = plan_test(send.recipient_count, len(lines), percent)
    if not plan.is_possible:
        return False
    wait_hours = post.subject_test_wait_hours or 4
    metric = post.subject_test_metric or SubjectTestMetric.OPENS
    decide_at = timezone.now() + dt.timedelta(hours=wait_hours)
    ids = list(
        Delivery.objects.filter(send=send)
        .order_by("?")
        .values_list("id", flat=True)[: plan.sample_count]
    )
    start = 0
    for variant, size in enumerate(plan.sizes):
        chosen = ids[start : start + size]
        start += size
        for first in range(0, len(chosen), ID_CHUNK):
            Delivery.objects.filter(id__in=chosen[first : first + ID_CHUNK]).update(variant=variant)
    Delivery.objects.filter(send=send, variant__isnull=True).update(is_held=True)
    changes = {
        "subject_lines": lines,
        "test_sample_percent": percent,
        "test_wait_hours": wait_hours,
        "test_metric": metric,
        "test_decide_at": decide_at,
    }
    Send.objects.filter(id=send.id).update(**changes)
    for name, value in changes.items():
        setattr(send, name, value)
    _enqueue_decision(send.id, decide_at)
    return True


@dataclass(frozen=True)
class EmailOptions:
    """A post's email choices as the desk's form checked them."""

    email_subject: str
    preview_text: str
    subject_test_lines: list[str]
    subject_test_sample_percent: int
    subject_test_wait_hours: int
    subject_test_metric: str


def set_email_options(post, options: EmailOptions) -> None:
    """Store the post's email subject, preview text and subject test (read when it is sent)."""
    fields = list(EmailOptions.__dataclass_fields__)
    for name in fields:
        setattr(post, name, getattr(options, name))
    post.save(update_fields=fields)


def describe_plan(post, recipient_count: int) -> str:
    """The post's test in words, for the writer about to send it ("" without a test): what
    fan-out will do with today's list (start_test)."""
    from masthead.delivery.messages import email_subject
    from masthead.delivery.services.fan_out import is_tracking_on

    lines = subject_lines_of(post, email_subject(post) or post.title)
    if len(lines) < 2:
        return ""
    if not is_tracking_on(post.publication):
        return (
            "The subject test is off: this publication does not count opens and clicks, so "
            "everyone gets the first subject line."
        )
    percent = min(max(post.subject_test_sample_percent, MIN_SAMPLE_PERCENT), MAX_SAMPLE_PERCENT)
    plan = plan_test(recipient_count, len(lines), percent)
    if not plan.is_possible:
        return (
            f"The list is too small for a subject test: all {recipient_count:,} "
            f"subscriber{'s' if recipient_count != 1 else ''} get the first subject line."
        )
    hours = post.subject_test_wait_hours or 4
    metric = "clicks" if post.subject_test_metric == SubjectTestMetric.CLICKS else "opens"
    return (
        f"{percent}% of {recipient_count:,} readers ({plan.sample_count:,}) get one of "
        f"{len(lines)} subject lines; after {hours} hour{'s' if hours != 1 else ''} the line "
        f"with most {metric} goes to the other {plan.rest_count:,}."
    )


def _enqueue_decision(send_id: int, decide_at) -> None:
    from masthead.delivery.tasks import decide_subject_test

    decide_subject_test.using(run_after=decide_at).enqueue(send_id)


@dataclass(frozen=True)
class LineResult:
    index: int
    subject: str
    sample_count: int
    open_count: int
    clicker_count: int

    @property
    def open_rate(self) -> float:
        return self.open_count / self.sample_count if self.sample_count else 0.0


def line_results(send: Send) -> list[LineResult]:
    """Each line's sample, opens and clickers (recipients who clicked), in the lines' order."""
    rows = {
        row["variant"]: row
        for row in Delivery.objects.filter(send_id=send.id, variant__isnull=False)
        .values("variant")
        .annotate(
            sample=Count("id"),
            opens=Count("id", filter=Q(opened_at__isnull=False)),
            clickers=Count("id", filter=Q(click_count__gt=0)),
        )
        .order_by()
    }
    return [
        LineResult(
            index=index,
            subject=subject,
            sample_count=rows.get(index, {}).get("sample", 0),
            open_count=rows.get(index, {}).get("opens", 0),
            clicker_count=rows.get(index, {}).get("clickers", 0),
        )
        for index, subject in enumerate(send.subject_lines or [])
    ]


def pick_winner(results: list[LineResult], metric: str) -> int:
    """The line with the most opens (or clickers); a tie goes to the earliest line."""

    def score(result: LineResult) -> int:
        return result.clicker_count if metric == SubjectTestMetric.CLICKS else result.open_count

    best = max(results, key=lambda result: (score(result), -result.index))
    return best.index


def decide_test(send_id: int) -> bool:
    """Decide one test whose time has come: record its winner and release the held deliveries
    to go with it; False when it is not due, already decided, or its send was cancelled."""
    now = timezone.now()
    with transaction.atomic():
        send = (
            Send.objects.select_for_update()
            .filter(
                id=send_id,
                test_decided_at__isnull=True,
                test_decide_at__lte=now,
                state__in=[SendState.SENDING, SendState.PAUSED],
            )
            .first()
        )
        if send is None:
            return False
        winner = pick_winner(line_results(send), send.test_metric)
        decided = Send.objects.filter(id=send_id, test_decided_at__isnull=True).update(
            test_winner=winner, test_decided_at=now, subject=send.subject_lines[winner]
        )
        if not decided:  # another worker decided meanwhile (SQLite ignores the row lock)
            return False
        skip_departed_readers(send_id)  # the rest waited hours: some readers left meanwhile
        Delivery.objects.filter(send_id=send_id, is_held=True, state=DeliveryState.QUEUED).update(
            is_held=False
        )
        transaction.on_commit(lambda: _wake_chains(send_id))
    return True


def decide_due_tests() -> int:
    """Pick the winner of every test whose time has come and release the rest; returns how many."""
    due = Send.objects.filter(
        test_decided_at__isnull=True,
        test_decide_at__lte=timezone.now(),
        state__in=[SendState.SENDING, SendState.PAUSED],
    ).values_list("id", flat=True)
    return sum(1 for send_id in list(due) if decide_test(send_id))


def _wake_chains(send_id: int) -> None:
    """The send's task chains wait for the decision time (send_task.next_due_at): run them now,
    and give the send any chain it lacks, so the released deliveries go without delay."""
    from masthead.delivery.services.recovery import restart_missing_chains, run_waiting_chains_now

    run_waiting_chains_now(send_id)
    restart_missing_chains(send_id)
