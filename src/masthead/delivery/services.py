"""Sending posts by email: fan-out to one delivery row per subscriber, claiming and sending
batches, retries, crash recovery, pause, resume and cancel.

How a send survives crashes: every delivery is a row. A worker claims a batch with a
conditional UPDATE (state queued -> sending, claimed_by, claimed_at), sends it over one SMTP
connection and marks the rows sent. A worker that dies leaves its batch "sending"; the next
worker takes it back once the claim is older than the lease, or at once when the claimer was a
process on this machine that no longer exists. So a SIGKILL loses nothing and repeats at most
the batch that was in flight.
"""

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Count, Exists, F, Min, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from masthead.delivery import rate
from masthead.delivery.messages import (
    MessageTemplate,
    add_tracking,
    mail_domain,
    render_newsletter,
    sender_for,
    unsubscribe_url_prefix,
)
from masthead.delivery.models import (
    Delivery,
    DeliverySettings,
    DeliveryState,
    Send,
    SendKind,
    SendState,
    Suppression,
    SuppressionReason,
)
from masthead.delivery.tracking import tracking_token
from masthead.delivery.transport import (
    RecipientRefused,
    TransportUnavailable,
    open_transport,
    sign,
)
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import unsubscribe_token

logger = logging.getLogger(__name__)

HOSTNAME = socket.gethostname()


def claim_lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)


def batch_size() -> int:
    return settings.DELIVERY_BATCH_SIZE


def max_attempts() -> int:
    return settings.DELIVERY_MAX_ATTEMPTS


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after a refused recipient: 1, 2, 4, ... times the base delay."""
    base = settings.DELIVERY_RETRY_SECONDS
    return dt.timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def smtp_retry_delay() -> dt.timedelta:
    """How long a send waits when the SMTP server cannot be reached; no attempt is used up."""
    return dt.timedelta(seconds=settings.DELIVERY_SMTP_RETRY_SECONDS)


def task_chains() -> int:
    """How many task chains carry a send. Each task queues its successor as its first write, so
    a worker killed in the instant between starting a task and queueing the successor ends
    that chain; the others carry the send on (and let several workers share it)."""
    return settings.DELIVERY_TASK_CHAINS


def slice_seconds() -> float:
    """How long one run of the send task works before handing over to its successor."""
    return settings.DELIVERY_SLICE_SECONDS


SMTPUnavailable = TransportUnavailable  # the name the tasks and tests know


# Fan-out -------------------------------------------------------------------------------------


def newsletter_for(post) -> Send | None:
    return Send.objects.filter(post=post, kind=SendKind.NEWSLETTER).first()


@transaction.atomic
def create_send(post) -> Send:
    """Write the post's newsletter send and one delivery per confirmed, unsuppressed subscriber,
    and queue the task that sends it; a post gets one newsletter, so a second call returns the
    first send."""
    from masthead.delivery.tasks import run_send

    existing = newsletter_for(post)
    if existing is not None:
        return existing
    publication = post.publication
    # Everyone is a free subscriber for now: a paid post goes out as its preview. The full
    # version is rendered too, once, for paid subscribers when they exist.
    everyone = render_newsletter(post, is_preview=post.is_paid)
    full = render_newsletter(post, is_preview=False) if post.is_paid else None
    is_tracked = is_tracking_on(publication)
    links: list[str] = []
    html = everyone.html
    if is_tracked:
        tracked = add_tracking(html, publication)
        html, links = tracked.html, tracked.links
    now = timezone.now()
    send = Send(
        publication=publication,
        post=post,
        kind=SendKind.NEWSLETTER,
        state=SendState.SENDING,
        started_at=now,
        sender=sender_for(publication),
        subject=everyone.subject,
        html_template=html,
        text_template=everyone.text,
        is_tracked=is_tracked,
        tracked_links=links,
        full_html_template=full.html if full else "",
        full_text_template=full.text if full else "",
    )
    try:
        with transaction.atomic():
            send.save()
    except IntegrityError:
        return newsletter_for(post)
    count = _insert_deliveries(send)
    Send.objects.filter(id=send.id).update(recipient_count=count)
    send.recipient_count = count
    for _ in range(task_chains()):
        run_send.enqueue(send.id)
    return send


def is_tracking_on(publication) -> bool:
    """Opens and clicks are counted unless the publication turned it off."""
    value = (
        DeliverySettings.objects.filter(publication=publication)
        .values_list("track_opens_and_clicks", flat=True)
        .first()
    )
    return True if value is None else value


def set_tracking(publication, is_on: bool) -> DeliverySettings:
    """Turn opens and clicks on or off for the publication's sends from now on."""
    delivery_settings, _ = DeliverySettings.objects.update_or_create(
        publication=publication, defaults={"track_opens_and_clicks": is_on}
    )
    return delivery_settings


@transaction.atomic
def create_test_send(post, email: str) -> Send:
    """Send the post's newsletter to one address (the writer's), as subscribers will see it."""
    from masthead.delivery.tasks import run_send

    bodies = render_newsletter(post, is_preview=post.is_paid)
    send = Send.objects.create(
        publication=post.publication,
        post=post,
        kind=SendKind.TEST,
        state=SendState.SENDING,
        started_at=timezone.now(),
        sender=sender_for(post.publication),
        subject=f"[Test] {bodies.subject}",
        html_template=bodies.html,
        text_template=bodies.text,
        recipient_count=1,
    )
    Delivery.objects.create(send=send, email=email.strip().lower())
    run_send.enqueue(send.id)
    return send


def _insert_deliveries(send: Send) -> int:
    """INSERT ... SELECT: the database copies the subscriber list; no Python object per row."""
    delivery = Delivery._meta.db_table
    subscription = Subscription._meta.db_table
    person = get_user_model()._meta.db_table
    suppression = Suppression._meta.db_table
    sql = f"""
        INSERT INTO {delivery}
            (send_id, subscription_id, email, state, attempts, next_attempt_at, last_error,
             claimed_by, claimed_at, sent_at, message_id, opened_at, click_count)
        SELECT %s, s.id, p.email, %s, 0, NULL, '', '', NULL, NULL, '', NULL, 0
        FROM {subscription} s JOIN {person} p ON p.id = s.person_id
        WHERE s.publication_id = %s AND s.status = %s
          AND NOT EXISTS (
            SELECT 1 FROM {suppression} x
            WHERE x.email = p.email
              AND (x.publication_id IS NULL OR x.publication_id = %s))
        ORDER BY s.id
    """  # noqa: S608 - table names come from models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                send.id,
                DeliveryState.QUEUED,
                send.publication_id,
                SubscriptionStatus.ACTIVE,
                send.publication_id,
            ],
        )
        return cursor.rowcount


def suppress(email: str, reason: str = SuppressionReason.MANUAL, publication=None) -> Suppression:
    suppression, _ = Suppression.objects.get_or_create(
        publication=publication, email=email.strip().lower(), defaults={"reason": reason}
    )
    return suppression


# Pause, resume, cancel -----------------------------------------------------------------------


@transaction.atomic
def pause_send(send_id: int) -> bool:
    """Stop claiming new batches; a batch being sent finishes."""
    return bool(
        Send.objects.filter(id=send_id, state=SendState.SENDING).update(state=SendState.PAUSED)
    )


@transaction.atomic
def resume_send(send_id: int) -> bool:
    """Carry on a paused send. On a send that is sending, queue its task again: harmless when
    its task is alive, and the way to restart one whose task row was lost."""
    from masthead.delivery.tasks import run_send

    resumed = Send.objects.filter(id=send_id, state=SendState.PAUSED).update(
        state=SendState.SENDING
    )
    if not resumed and not Send.objects.filter(id=send_id, state=SendState.SENDING).exists():
        return False
    for _ in range(task_chains() if resumed else 1):
        run_send.enqueue(send_id)
    return True


@transaction.atomic
def cancel_send(send_id: int) -> bool:
    """End a send for good: deliveries not sent yet stay queued and are never sent."""
    return bool(
        Send.objects.filter(id=send_id, state__in=[SendState.SENDING, SendState.PAUSED]).update(
            state=SendState.CANCELLED, finished_at=timezone.now()
        )
    )


# Claiming and sending ------------------------------------------------------------------------


@dataclass
class Claimed:
    id: int
    email: str
    subscription_id: int | None
    attempts: int


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0


def new_worker_id() -> str:
    """host:pid:random, so a claim left by a dead process on this host is seen as dead."""
    return f"{HOSTNAME}:{os.getpid()}:{os.urandom(4).hex()}"


def _is_dead_claimer(claimed_by: str, worker_id: str) -> bool:
    host, _, rest = claimed_by.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != HOSTNAME or not pid_text.isdigit() or claimed_by == worker_id:
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # an earlier run in this very process, which is now doing something else
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim_batch(send: Send, worker_id: str, size: int) -> list[Claimed]:
    """Claim up to `size` deliveries of a sending send: abandoned claims first, then queued rows.

    One transaction: on PostgreSQL the rows are locked with SKIP LOCKED so workers never wait
    for each other; on SQLite the immediate transaction makes this worker the only writer.
    """
    now = timezone.now()
    expired_before = now - claim_lease()
    columns = ("id", "email", "subscription_id", "attempts")
    with transaction.atomic():
        rows = Delivery.objects.filter(send_id=send.id, send__state=SendState.SENDING)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        abandoned = [
            row[:4]
            for row in rows.filter(state=DeliveryState.SENDING)
            .order_by("id")
            .values_list(*columns, "claimed_by", "claimed_at")
            if (row[5] is None or row[5] < expired_before) or _is_dead_claimer(row[4], worker_id)
        ][:size]
        queued = []
        if len(abandoned) < size:
            queued = list(
                rows.filter(state=DeliveryState.QUEUED)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("id")
                .values_list(*columns)[: size - len(abandoned)]
            )
        claimed = [Claimed(*row) for row in abandoned + queued]
        if claimed:
            Delivery.objects.filter(id__in=[row.id for row in claimed]).update(
                state=DeliveryState.SENDING, claimed_by=worker_id, claimed_at=now
            )
    return claimed


class SendRenderer:
    """Per-recipient bytes for one send: the pre-built template plus substitutions."""

    def __init__(self, send: Send):
        self.template = MessageTemplate(send, send.html_template, send.text_template)
        self.unsubscribe_before, self.unsubscribe_after = unsubscribe_url_prefix(send.publication)
        self.fallback_url = self.unsubscribe_before.rsplit("/unsubscribe/", 1)[0] + "/"
        self.is_tracked = send.is_tracked

    def unsubscribe_url(self, subscription_id: int | None) -> str:
        if subscription_id is None:  # a test send to someone who is not a subscriber
            return self.fallback_url
        token = unsubscribe_token(Subscription(id=subscription_id))
        return f"{self.unsubscribe_before}{token}{self.unsubscribe_after}"

    def render(self, delivery: Claimed) -> bytes:
        return self.template.render(
            delivery.id,
            delivery.email,
            self.unsubscribe_url(delivery.subscription_id),
            tracking_token(delivery.id) if self.is_tracked else "",
        )


def deliver_batch(
    send: Send,
    worker_id: str,
    size: int,
    smtp=None,
    renderer: SendRenderer | None = None,
) -> BatchResult:
    """Claim a batch and send it over one transport connection; mark each delivery sent or failed.

    Raises SMTPUnavailable (TransportUnavailable) when the server or API cannot take mail; the
    deliveries not sent go back to the queue without using up an attempt.
    """
    claimed = claim_batch(send, worker_id, size)
    result = BatchResult(claimed=len(claimed))
    if not claimed:
        return result
    renderer = renderer or SendRenderer(send)
    own_connection = smtp is None
    sent_ids: list[int] = []
    refused: list[tuple[Claimed, str]] = []
    try:
        if smtp is None:
            smtp = open_transport()
        for delivery in claimed:
            try:
                smtp.send(
                    renderer.template.envelope_from,
                    delivery.email,
                    sign(renderer.render(delivery)),
                )
            except RecipientRefused as error:
                refused.append((delivery, error.reason))
            else:
                sent_ids.append(delivery.id)
    except TransportUnavailable:
        _finish_batch(send, worker_id, sent_ids, refused, result)
        _release(worker_id, [d.id for d in claimed if d.id not in set(sent_ids)])
        raise
    finally:
        if own_connection and smtp is not None:
            smtp.close()
    _finish_batch(send, worker_id, sent_ids, refused, result)
    return result


def _text(message) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _release(worker_id: str, ids: list[int]) -> None:
    if ids:
        Delivery.objects.filter(
            id__in=ids, state=DeliveryState.SENDING, claimed_by=worker_id
        ).update(state=DeliveryState.QUEUED, claimed_by="", claimed_at=None)


def _finish_batch(send, worker_id, sent_ids, refused, result: BatchResult) -> None:
    now = timezone.now()
    domain = mail_domain()
    with transaction.atomic():
        if sent_ids:
            result.sent = Delivery.objects.filter(
                id__in=sent_ids, state=DeliveryState.SENDING, claimed_by=worker_id
            ).update(
                state=DeliveryState.SENT,
                sent_at=now,
                claimed_by="",
                message_id=Concat(
                    Value(f"<send-{send.id}.delivery-"),
                    Cast("id", CharField()),
                    Value(f"@{domain}>"),
                    output_field=CharField(),
                ),
            )
        for delivery, error in refused:
            attempts = delivery.attempts + 1
            if attempts >= max_attempts():
                changes = {"state": DeliveryState.FAILED, "next_attempt_at": None}
                result.failed += 1
            else:
                changes = {
                    "state": DeliveryState.QUEUED,
                    "next_attempt_at": now + retry_delay(attempts),
                }
                result.retrying += 1
            Delivery.objects.filter(
                id=delivery.id, state=DeliveryState.SENDING, claimed_by=worker_id
            ).update(
                attempts=attempts,
                last_error=error[:1000],
                claimed_by="",
                claimed_at=None,
                **changes,
            )
        if result.sent or result.failed:
            Send.objects.filter(id=send.id).update(
                sent_count=F("sent_count") + result.sent,
                failed_count=F("failed_count") + result.failed,
            )


# The send's life -----------------------------------------------------------------------------


def _unfinished(send_id: int):
    return Delivery.objects.filter(
        send_id=send_id, state__in=[DeliveryState.QUEUED, DeliveryState.SENDING]
    )


def finish_send_if_complete(send_id: int) -> bool:
    """Mark a sending send done when no delivery is queued or being sent; recount it."""
    with transaction.atomic():
        done = (
            Send.objects.filter(id=send_id, state=SendState.SENDING)
            .exclude(Exists(_unfinished(send_id)))
            .update(state=SendState.DONE, finished_at=timezone.now())
        )
        if done:
            recount(send_id)
    return bool(done)


def recount(send_id: int) -> None:
    counts = dict(
        Delivery.objects.filter(send_id=send_id)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    Send.objects.filter(id=send_id).update(
        sent_count=counts.get(DeliveryState.SENT, 0),
        failed_count=counts.get(DeliveryState.FAILED, 0),
    )


def next_due_at(send_id: int):
    """When work that is not claimable yet becomes claimable: a retry, or a claim's lease end."""
    now = timezone.now()
    lease = claim_lease()
    retry_at = (
        Delivery.objects.filter(send_id=send_id, state=DeliveryState.QUEUED)
        .aggregate(at=Min("next_attempt_at"))
        .get("at")
    )
    claimed_at = (
        Delivery.objects.filter(send_id=send_id, state=DeliveryState.SENDING)
        .aggregate(at=Min("claimed_at"))
        .get("at")
    )
    # Claims in flight are looked at again soon: if their worker died on this machine, they
    # can be taken back at once rather than when the lease ends.
    recheck = now + dt.timedelta(seconds=settings.DELIVERY_RECHECK_SECONDS)
    lease_end = claimed_at and min(claimed_at + lease, recheck)
    moments = [moment for moment in (retry_at, lease_end) if moment]
    return max(min(moments, default=now + lease), now)


def work_on_send(send_id: int, enqueue_successor) -> str:
    """One slice of a send's work, run by the send task.

    The successor task is written first, so that whatever happens to this process the send goes
    on; it is postponed when there is nothing to do yet (SMTP down, retries not due).
    """
    send = Send.objects.select_related("publication").filter(id=send_id).first()
    if send is None or send.state != SendState.SENDING:
        return "not sending"
    if not _unfinished(send_id).exists():
        finish_send_if_complete(send_id)
        return "done"
    successor = enqueue_successor()
    try:
        smtp = open_transport()
    except SMTPUnavailable as error:
        logger.warning("Send %s waits for the SMTP server: %s", send_id, error)
        _postpone(successor, timezone.now() + smtp_retry_delay())
        return "smtp unavailable"
    worker_id = new_worker_id()
    renderer = SendRenderer(send)
    deadline = time.monotonic() + slice_seconds()
    claimed_any = False
    try:
        while time.monotonic() < deadline:
            allowed = rate.reserve_slots(batch_size())
            if not allowed:
                _postpone(successor, rate.next_minute())
                return "rate limited"
            result = deliver_batch(send, worker_id, allowed, smtp=smtp, renderer=renderer)
            rate.give_back(allowed - result.claimed)
            if not result.claimed:
                break
            claimed_any = True
        else:
            return "slice over"
    except SMTPUnavailable as error:
        logger.warning("Send %s lost the SMTP server: %s", send_id, error)
        _postpone(successor, timezone.now() + smtp_retry_delay())
        return "smtp unavailable"
    finally:
        smtp.close()
    if finish_send_if_complete(send_id):
        return "done"
    if not claimed_any:
        _postpone(successor, next_due_at(send_id))
    return "waiting"


def _postpone(task_result, moment) -> None:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_result.id, status=TaskResultStatus.READY).update(
        run_after=moment
    )


# Reading -------------------------------------------------------------------------------------


def send_progress(send_id: int) -> dict[str, int]:
    """Deliveries of a send by state, in one query."""
    counts = dict(
        Delivery.objects.filter(send_id=send_id)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in DeliveryState.values}
