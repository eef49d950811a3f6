"""Recording events: every service that changes something webhooks announce calls `record_event`
inside its own transaction, so the event is saved with the change or not at all.

Nothing is sent here: after commit the dispatcher is asked to fan the event out (tasks.py), and
the worker's sweep (`dispatch_pending`) finds any event whose request was lost.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from masthead.outbox.models import Event

# The event types a writer can subscribe an endpoint to, with what they mean.
EVENT_TYPES = {
    "post.published": "A post or page was published",
    "post.updated": "A published post was edited",
    "post.unpublished": "A published post went back to draft",
    "subscriber.added": "Someone subscribed (before confirming)",
    "subscriber.confirmed": "A subscriber confirmed their address",
    "subscriber.upgraded": "A subscriber started paying",
    "subscriber.unsubscribed": "A subscriber unsubscribed",
    "comment.added": "A reader commented",
    "send.finished": "An email send finished",
}
# Sent only to the endpoint a writer is testing, whatever it subscribes to.
TEST_EVENT_TYPE = "webhook.test"


def _publication_id(publication) -> int:
    return publication if isinstance(publication, int) else publication.pk


def build_body(event: Event) -> str:
    """The JSON every attempt posts, byte for byte: receivers dedupe on `id`."""
    return json.dumps(
        {
            "id": event.public_id,
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "publication": event.publication_id,
            "data": event.data,
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def record_event(publication, type: str, data: dict) -> Event:
    """Append an event to the outbox in the caller's transaction. `publication` is a
    Publication or its id; `data` holds ids and a small snapshot, JSON-serialisable."""
    event = Event(
        publication_id=_publication_id(publication),
        public_id=Event.new_public_id(),
        type=type,
        # Round-trip so dates become strings now: the row and the body say the same thing.
        data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    )
    event.body = build_body(event)
    event.save()
    publication_id = event.publication_id
    transaction.on_commit(lambda: _ask_for_dispatch(publication_id))
    return event


def _ask_for_dispatch(publication_id: int) -> None:
    from masthead.outbox.tasks import request_dispatch

    request_dispatch(publication_id)


# Snapshots: small and stable, ids first; the receiver reads more through the API if it needs.


def post_data(post) -> dict:
    return {
        "post_id": post.id,
        "title": post.title,
        "subtitle": post.subtitle,
        "slug": post.slug,
        "kind": post.kind,
        "audience": post.audience,
        "status": post.status,
        "published_at": post.published_at,
        "updated_at": post.updated_at,
    }


def subscription_data(subscription) -> dict:
    return {
        "subscription_id": subscription.id,
        "person_id": subscription.person_id,
        "email": subscription.person.email,
        "status": subscription.status,
        "source": subscription.source,
        "created_at": subscription.created_at,
    }


def comment_data(comment) -> dict:
    return {
        "comment_id": comment.id,
        "post_id": comment.post_id,
        "person_id": comment.person_id,
        "parent_id": comment.parent_id,
        "body_markdown": comment.body_markdown,
        "created_at": comment.created_at,
    }


def record_send_finished(send_id: int) -> Event | None:
    """send.finished for a send just marked done (its counts recounted)."""
    from masthead.delivery.models import Send

    send = Send.objects.filter(id=send_id).first()
    if send is None:
        return None
    return record_event(
        send.publication_id,
        "send.finished",
        {
            "send_id": send.id,
            "post_id": send.post_id,
            "kind": send.kind,
            "subject": send.subject,
            "recipient_count": send.recipient_count,
            "sent_count": send.sent_count,
            "failed_count": send.failed_count,
            "started_at": send.started_at,
            "finished_at": send.finished_at,
        },
    )
