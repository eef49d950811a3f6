"""Fan-out: a send per post, with one delivery row per confirmed, unsuppressed subscriber
written before anything is sent, and the choices fan-out reads (tracking, suppressions)."""

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Value
from django.utils import timezone

from masthead.billing.access import with_paid_access
from masthead.delivery.messages import add_tracking, is_sent_as_preview, render_newsletter
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
from masthead.delivery.queries import newsletter_recipients
from masthead.delivery.services.limits import task_chains
from masthead.delivery.services.subject_tests import start_test
from masthead.publications.section_email import sender_for
from masthead.subscriptions.models import Subscription


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
    # Each version rendered once: what everyone may read (a paid post's preview, with its upgrade
    # button), and for a paid post the full version, for the readers with paid access.
    is_preview = is_sent_as_preview(post)
    everyone = render_newsletter(post, is_preview=is_preview)
    full = render_newsletter(post, is_preview=False) if is_preview else None
    is_tracked = is_tracking_on(publication)
    links: list[str] = []
    html = everyone.html
    full_html = full.html if full else ""
    if is_tracked:
        tracked = add_tracking(html, publication)
        html, links = tracked.html, tracked.links
        if full:
            tracked_full = add_tracking(full_html, publication, first_index=len(links))
            full_html, links = tracked_full.html, links + tracked_full.links
    now = timezone.now()
    send = Send(
        publication=publication,
        post=post,
        kind=SendKind.NEWSLETTER,
        state=SendState.SENDING,
        started_at=now,
        sender=sender_for(post),
        subject=everyone.subject,
        html_template=html,
        text_template=everyone.text,
        is_tracked=is_tracked,
        tracked_links=links,
        full_html_template=full_html,
        full_text_template=full.text if full else "",
    )
    try:
        with transaction.atomic():
            send.save()
    except IntegrityError:
        return newsletter_for(post)
    count = _insert_deliveries(send, has_full_version=full is not None)
    Send.objects.filter(id=send.id).update(recipient_count=count)
    send.recipient_count = count
    start_test(send, post)
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

    bodies = render_newsletter(post, is_preview=is_sent_as_preview(post))
    send = Send.objects.create(
        publication=post.publication,
        post=post,
        kind=SendKind.TEST,
        state=SendState.SENDING,
        started_at=timezone.now(),
        sender=sender_for(post),
        subject=f"[Test] {bodies.subject}",
        html_template=bodies.html,
        text_template=bodies.text,
        recipient_count=1,
    )
    Delivery.objects.create(send=send, email=email.strip().lower())
    run_send.enqueue(send.id)
    return send


def _insert_deliveries(send: Send, *, has_full_version: bool) -> int:
    """INSERT ... SELECT: the database copies the recipients (queries.newsletter_recipients) into
    deliveries, each marked with whether its reader gets the full version (billing.access's rule,
    evaluated in the same statement); no Python object per row."""
    columns = {
        "send_id": Value(send.id),
        "subscription_id": F("id"),
        "email": F("person__email"),
        "gets_full_post": full_post_condition(send.publication_id)
        if has_full_version
        else Value(False),
        "state": Value(DeliveryState.QUEUED),
        "attempts": Value(0),
        "last_error": Value(""),
        "claimed_by": Value(""),
        "message_id": Value(""),
        "click_count": Value(0),
        "is_held": Value(False),  # a subject test holds some afterwards (subject_tests)
    }
    section_id = send.post.section_id if send.post else None
    rows = (
        newsletter_recipients(send.publication_id, section_id=section_id)
        .order_by("id")
        .values_list(*columns.values())
    )
    select, params = rows.query.sql_with_params()
    sql = f"INSERT INTO {Delivery._meta.db_table} ({', '.join(columns)}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def full_post_condition(publication_id: int) -> Exists:
    """For a recipient row (a subscription): whether its reader has paid access now, as an
    expression. It is billing.access.with_paid_access itself, applied to that one row, so the
    newsletter follows the same rule as the post page."""
    this_row = Subscription.objects.filter(pk=OuterRef("pk"))
    return Exists(with_paid_access(this_row, publication_id))


def suppress(email: str, reason: str = SuppressionReason.MANUAL, publication=None) -> Suppression:
    suppression, _ = Suppression.objects.get_or_create(
        publication=publication, email=email.strip().lower(), defaults={"reason": reason}
    )
    return suppression
