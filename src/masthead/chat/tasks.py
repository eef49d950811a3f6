"""Chat emails: the announcement of a chat's first thread, and the digest of new threads.

Both are safe to run twice (digests.py claims each person before sending). When some sends
fail, the task runs again later for those people, a few times at most.
"""

from django.tasks import task
from django.utils import timezone

from masthead.chat import digests
from masthead.publications.models import Publication


@task()
def announce_first_thread(publication_id: int, attempt: int = 1) -> int:
    """Tell the subscribers who may read the chat that it has started; returns emails sent."""
    return _send(announce_first_thread, digests.announce_first_thread, publication_id, attempt)


@task()
def send_chat_digest(publication_id: int, attempt: int = 1) -> int:
    """Email the readers with the digest on the threads they missed; returns emails sent."""
    return _send(send_chat_digest, digests.send_digests, publication_id, attempt)


def _send(this_task, send, publication_id: int, attempt: int) -> int:
    """Run one of the sends; when some emails failed, queue the task again for later."""
    publication = Publication.objects.filter(id=publication_id).first()
    if publication is None:
        return 0
    outcome = send(publication)
    if outcome.failed and attempt < digests.MAX_ATTEMPTS:
        this_task.using(run_after=timezone.now() + digests.RETRY_DELAY).enqueue(
            publication_id, attempt + 1
        )
    return outcome.sent
