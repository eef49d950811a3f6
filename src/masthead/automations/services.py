"""Automations: emails that send themselves (welcome sequence, paid upgrade, win-back, digest).

run_due_automations (the worker's recovery round, every few seconds) writes what is due as
Send + Delivery rows, as fan-out writes a newsletter, and queues the same send task: the
pipeline sends each message once, with retries, recovery and open and click tracking."""

import datetime as dt
import logging

from django.db import DatabaseError, connection, transaction
from django.db.models import DateTimeField, F, Max, Value
from django.utils import timezone

from masthead.automations.models import AutomationDelivery, AutomationEmail, AutomationSend
from masthead.automations.queries import due_subscriptions
from masthead.automations.rendering import email_body_html, render_automation_email
from masthead.core.mail import publication_sender
from masthead.delivery.messages import RenderedBodies, add_tracking
from masthead.delivery.models import Delivery, DeliveryState, Send, SendKind, SendState
from masthead.delivery.services.fan_out import is_tracking_on
from masthead.delivery.services.limits import task_chains
from masthead.subscriptions.models import Subscription

logger = logging.getLogger(__name__)

# A batch this large gets as many send task chains as a newsletter; smaller ones one.
MANY_RECIPIENTS = 500


def run_due_automations(now: dt.datetime | None = None) -> int:
    """Queue what is due now; returns how many emails were queued."""
    from masthead.automations.digest import queue_due_digests

    now = now or timezone.now()
    queued = 0
    for email in AutomationEmail.objects.filter(
        is_active=True, active_since__isnull=False
    ).select_related("publication"):
        queued += _safely(queue_email, email, now)
    queued += queue_due_digests(now)
    return queued


def _safely(function, *args) -> int:
    """One email's failure (odd content that will not render) is logged and must not stop the
    others, nor the worker whose round this is; losing the database is the worker's to handle."""
    try:
        return function(*args)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("Could not queue %s%r", function.__name__, args)
        return 0


def queue_email(email: AutomationEmail, now: dt.datetime) -> int:
    """One send for `email` to everyone due it now, or nothing when no one is."""
    if not due_subscriptions(email, now).exists():
        return 0

    def mark_sent(send: Send):
        # The pairs are inserted with the conflict ignored: of two workers, each reader lands
        # in one worker's send only, and the unique pair keeps it to one email forever.
        claimed = (
            due_subscriptions(email, now)
            .order_by()
            .values_list(
                Value(email.id), F("id"), Value(send.id), Value(now, output_field=DateTimeField())
            )
        )
        select, params = claimed.query.sql_with_params()
        table = AutomationDelivery._meta.db_table
        sql = (
            f"INSERT INTO {table} (email_id, subscription_id, send_id, created_at) {select} "
            "ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return Subscription.objects.filter(
            id__in=AutomationDelivery.objects.filter(send=send).values("subscription_id")
        )

    with transaction.atomic():
        send, count = write_send(
            email.publication, SendKind.AUTOMATION, render_automation_email(email), mark_sent
        )
        if send is not None:
            AutomationSend.objects.create(email=email, send=send, created_at=now)
    return count


def write_send(
    publication, kind: str, bodies: RenderedBodies, recipients
) -> tuple[Send | None, int]:
    """A send of `bodies` with one delivery per recipient, written before anything is sent, and
    the send task queued, as fan_out.create_send does for a newsletter (tracking included when
    the publication has it on). `recipients` is a Subscription queryset, or a function of the
    new send returning one. No recipients: no send."""
    from masthead.delivery.tasks import run_send

    is_tracked = is_tracking_on(publication)
    html, links = bodies.html, []
    if is_tracked:
        tracked = add_tracking(html, publication)
        html, links = tracked.html, tracked.links
    now = timezone.now()
    with transaction.atomic():
        send = Send.objects.create(
            publication=publication,
            kind=kind,
            state=SendState.PREPARING,
            started_at=now,
            sender=publication_sender(publication),
            subject=bodies.subject[:300],
            html_template=html,
            text_template=bodies.text,
            is_tracked=is_tracked,
            tracked_links=links,
        )
        if callable(recipients):
            recipients = recipients(send)
        count = _insert_deliveries(send, recipients)
        if not count:
            send.delete()
            return None, 0
        Send.objects.filter(id=send.id).update(recipient_count=count, state=SendState.SENDING)
        send.recipient_count, send.state = count, SendState.SENDING
        for _ in range(task_chains() if count >= MANY_RECIPIENTS else 1):
            run_send.enqueue(send.id)
    logger.info("Queued %s %s email(s) in send %s", count, kind, send.id)
    return send, count


def _insert_deliveries(send: Send, recipients) -> int:
    """INSERT ... SELECT, as fan-out does: no Python object per recipient. Every other column
    gets its model default, so a column added to Delivery later needs nothing here."""
    columns = {
        "send_id": Value(send.id),
        "subscription_id": F("id"),
        "email": F("person__email"),
        "state": Value(DeliveryState.QUEUED),
    }
    for field in Delivery._meta.concrete_fields:
        if field.primary_key or field.column in columns:
            continue
        columns[field.column] = Value(field.get_default(), output_field=field)
    rows = recipients.order_by("id").values_list(*columns.values())
    select, params = rows.query.sql_with_params()
    sql = f"INSERT INTO {Delivery._meta.db_table} ({', '.join(columns)}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# The desk's changes -----------------------------------------------------------------------------


def create_email(publication, *, kind: str, **fields) -> AutomationEmail:
    """A new automation email, last of its kind; switched on now if it is active."""
    now = timezone.now()
    with transaction.atomic():
        last = (
            AutomationEmail.objects.select_for_update()
            .filter(publication=publication, kind=kind)
            .aggregate(last=Max("position"))["last"]
        )
        email = AutomationEmail(
            publication=publication,
            kind=kind,
            position=0 if last is None else last + 1,
            created_at=now,
            updated_at=now,
            **fields,
        )
        email.body_html = email_body_html(email.body_markdown)
        email.active_since = now if email.is_active else None
        email.save()
    return email


def update_email(email: AutomationEmail, **fields) -> AutomationEmail:
    """Save the desk's changes; switching it on (again) starts its clock now (see models)."""
    was_active = email.is_active
    for name, value in fields.items():
        setattr(email, name, value)
    email.body_html = email_body_html(email.body_markdown)
    email.updated_at = timezone.now()
    if email.is_active and not was_active:
        email.active_since = email.updated_at
    email.save()
    return email


def set_email_active(email: AutomationEmail, is_active: bool) -> AutomationEmail:
    if email.is_active == is_active:
        return email
    email.is_active = is_active
    email.updated_at = timezone.now()
    if is_active:
        email.active_since = email.updated_at
    email.save(update_fields=["is_active", "active_since", "updated_at"])
    return email


def delete_email(email: AutomationEmail) -> None:
    """Gone from the sequence; the sends it went out in stay in the desk's Sends."""
    email.delete()


def move_email(email: AutomationEmail, direction: int) -> bool:
    """Swap the email with its neighbour of the same kind (-1: earlier, 1: later)."""
    with transaction.atomic():
        siblings = list(
            AutomationEmail.objects.select_for_update()
            .filter(publication_id=email.publication_id, kind=email.kind)
            .order_by("position", "id")
        )
        index = next((i for i, sibling in enumerate(siblings) if sibling.id == email.id), None)
        if index is None or not 0 <= index + direction < len(siblings):
            return False
        siblings[index], siblings[index + direction] = siblings[index + direction], siblings[index]
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                AutomationEmail.objects.filter(id=sibling.id).update(position=position)
    return True
