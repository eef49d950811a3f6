"""Chat emails to subscribers who were not there: the announcement of a chat's first thread, and
the opt-in digest of new threads.

Both remember what a person was told in ChatReader.digest_through_id (the newest thread an email
told them about) and claim each person with a conditional UPDATE of it before sending, so a task
that runs twice, or two tasks at once, email nobody the same thread twice. A send that fails
gives its claim back, and the task tries those people again a little later.

Digests are gathered per window (an hour, on the clock): the first thread of a window schedules
the one digest task of its publication for the end of the window, if anyone has the digest on.
"""

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from django.core.mail import mailers
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q

from masthead.chat import rules
from masthead.chat.models import ChatMessage, ChatPresence, ChatReader, ChatReaders
from masthead.core.mail import build_email, publication_sender
from masthead.delivery.models import Suppression
from masthead.engagement.models import Ban
from masthead.publications.links import publication_root, site_path
from masthead.publications.models import Membership
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import unsubscribe_token

DIGEST_WINDOW = dt.timedelta(hours=1)
RETRY_DELAY = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5  # runs of a task for the people whose email failed
MAX_THREADS = 20  # threads listed in one digest; the rest are counted
BATCH = 500

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0


# Scheduling ------------------------------------------------------------------------------------


def window_end(at: dt.datetime) -> dt.datetime:
    """The end of the digest window `at` falls in; windows are aligned to the epoch."""
    seconds = DIGEST_WINDOW.total_seconds()
    return dt.datetime.fromtimestamp((at.timestamp() // seconds + 1) * seconds, tz=dt.UTC)


def schedule_digest(thread: ChatMessage) -> None:
    """Call in the transaction that posts a thread: the window's first thread schedules the
    window's digest. Without a flag to claim, two threads posted at the same moment may both
    schedule it; the task's claims make the second run send nothing."""
    end = window_end(thread.created_at)
    is_first_of_window = not ChatMessage.objects.filter(
        publication_id=thread.publication_id,
        thread__isnull=True,
        created_at__gte=end - DIGEST_WINDOW,
        id__lt=thread.id,
    ).exists()
    if not is_first_of_window:
        return
    # Someone who turns the digest on later in the window is in the room doing it: they see
    # this window's threads there, and the next window's digest covers them.
    if not ChatReader.objects.filter(
        publication_id=thread.publication_id, is_digest_on=True
    ).exists():
        return
    from masthead.chat.tasks import send_chat_digest

    publication_id = thread.publication_id
    transaction.on_commit(lambda: send_chat_digest.using(run_after=end).enqueue(publication_id))


# Claiming --------------------------------------------------------------------------------------


def _is_suppressed(publication):
    return Exists(
        Suppression.objects.filter(
            Q(publication=publication) | Q(publication__isnull=True),
            email=OuterRef("person__email"),
        )
    )


def _send_claimed(reader: ChatReader, through_id: int, message, connection) -> bool | None:
    """Claim the reader up to `through_id`, then send; None when another run claimed them."""
    before = reader.digest_through_id
    claimed = ChatReader.objects.filter(id=reader.id, digest_through_id=before).update(
        digest_through_id=through_id
    )
    if not claimed:
        return None
    try:
        connection.send_messages([message])
    except Exception:  # any failure of the mail server: give the claim back, try them later
        ChatReader.objects.filter(id=reader.id, digest_through_id=through_id).update(
            digest_through_id=before
        )
        logger.exception("Chat email to person %s failed", reader.person_id)
        return False
    return True


@contextlib.contextmanager
def open_mailer():
    """One mail server connection for a whole run. When the server cannot be reached, the
    sends fail one by one, give their claims back, and the task tries those people later."""
    connection = mailers.default
    try:
        connection.open()
    except Exception:
        logger.exception("Chat emails: the mail server cannot be reached")
    try:
        yield connection
    finally:
        with contextlib.suppress(Exception):
            connection.close()


def _count(outcome: Outcome, result: bool | None) -> None:
    if result is True:
        outcome.sent += 1
    elif result is False:
        outcome.failed += 1


# The first thread ------------------------------------------------------------------------------


def announce_first_thread(publication) -> Outcome:
    """Email the subscribers who may read the chat that its first thread is up, once each."""
    outcome = Outcome()
    first = (
        ChatMessage.objects.filter(publication=publication, thread__isnull=True)
        .select_related("author")
        .order_by("id")
        .first()
    )
    if first is None:
        return outcome
    subscriptions = (
        Subscription.objects.filter(publication=publication, status=SubscriptionStatus.ACTIVE)
        .exclude(person_id=first.author_id)
        .exclude(
            Exists(Membership.objects.filter(publication=publication, person=OuterRef("person")))
        )
        .exclude(Exists(Ban.objects.filter(publication=publication, person=OuterRef("person"))))
        .exclude(_is_suppressed(publication))
        .select_related("person")
        .order_by("id")
    )
    with open_mailer() as connection:
        _announce_batches(publication, first, subscriptions, connection, outcome)
    return outcome


def _announce_batches(publication, first, subscriptions, connection, outcome: Outcome) -> None:
    is_paid_chat = rules.settings_for(publication).readers == ChatReaders.PAID
    root = publication_root(publication)
    chat_url = root + site_path("chat:room")
    after = 0
    while batch := list(subscriptions.filter(id__gt=after)[:BATCH]):
        after = batch[-1].id
        ChatReader.objects.bulk_create(
            [ChatReader(publication=publication, person=s.person) for s in batch],
            ignore_conflicts=True,
        )
        readers = {
            reader.person_id: reader
            for reader in ChatReader.objects.filter(
                publication=publication,
                person__in=[s.person for s in batch],
                digest_through_id__lt=first.id,
            )
        }
        for subscription in batch:
            reader = readers.get(subscription.person_id)
            if reader is None:
                continue  # told about this thread already
            # The query leaves out the team, banned people and lapsed subscribers: of the
            # access rules, only the paid one is left to ask, without a lookup per person.
            sees_paid = rules.is_paid_subscriber(subscription.person, publication.id)
            if is_paid_chat and not sees_paid:
                continue
            message = build_email(
                "chat_first_thread",
                subscription.person.email,
                {
                    "publication": publication,
                    "thread": first,
                    "is_quoted": first.is_visible and (sees_paid or not first.is_paid_only),
                    "chat_url": chat_url,
                    "unsubscribe_url": root
                    + site_path("subscriptions:unsubscribe", unsubscribe_token(subscription)),
                },
                from_email=publication_sender(publication),
            )
            _count(outcome, _send_claimed(reader, first.id, message, connection))


# The digest ------------------------------------------------------------------------------------


def digest_threads(reader: ChatReader, access: rules.ChatAccess, newest_id: int, seen_at):
    """The threads this reader should hear about: visible ones they may see, by others, after
    the last email they got and after they were last in the room."""
    threads = ChatMessage.objects.filter(
        publication_id=reader.publication_id,
        thread__isnull=True,
        id__gt=reader.digest_through_id,
        id__lte=newest_id,
        deleted_at__isnull=True,
        hidden_at__isnull=True,
    ).exclude(author_id=reader.person_id)
    if seen_at is not None:
        threads = threads.filter(created_at__gt=seen_at)
    if not access.sees_paid:
        threads = threads.filter(is_paid_only=False)
    return threads


def send_digests(publication) -> Outcome:
    """Email each reader with the digest on the new threads they missed, once each."""
    outcome = Outcome()
    newest_id = (
        ChatMessage.objects.filter(publication=publication, thread__isnull=True)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if newest_id is None:
        return outcome
    # Someone with the room open now (or recently) saw what was posted until then.
    here = dict(
        ChatPresence.objects.filter(publication=publication)
        .values("person_id")
        .annotate(seen_at=Max("seen_at"))
        .values_list("person_id", "seen_at")
    )
    readers = (
        ChatReader.objects.filter(
            publication=publication, is_digest_on=True, digest_through_id__lt=newest_id
        )
        .exclude(_is_suppressed(publication))
        .select_related("person")
        .order_by("id")
    )
    root = publication_root(publication)
    with open_mailer() as connection:
        for reader in readers.iterator(chunk_size=BATCH):
            _count(outcome, _send_digest(reader, publication, newest_id, here, root, connection))
    return outcome


def _send_digest(reader, publication, newest_id, here, root, connection) -> bool | None:
    """One reader's digest: sent (True), failed (False) or nothing to send (None)."""
    access = rules.access_for(reader.person, publication)
    if not access.may_read:
        return None
    seen = [at for at in (reader.last_seen_at, here.get(reader.person_id)) if at is not None]
    threads = digest_threads(reader, access, newest_id, max(seen, default=None))
    shown = list(threads.select_related("author").order_by("-id")[:MAX_THREADS])
    if not shown:
        # Nothing they missed: move their mark on, so later runs skip them quickly.
        ChatReader.objects.filter(id=reader.id, digest_through_id=reader.digest_through_id).update(
            digest_through_id=newest_id
        )
        return None
    more_count = threads.count() - len(shown) if len(shown) == MAX_THREADS else 0
    for thread in shown:
        thread.url = root + site_path("chat:thread", thread.id)
    message = build_email(
        "chat_digest",
        reader.person.email,
        {
            "publication": publication,
            "threads": shown[::-1],
            "more_count": more_count,
            "chat_url": root + site_path("chat:room"),
        },
        from_email=publication_sender(publication),
    )
    return _send_claimed(reader, newest_id, message, connection)
