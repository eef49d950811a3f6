"""Send the install's own email from tasks so that it outlives a mail server outage.

A task builds its message (masthead.core.mail.build_email) and hands it to send_system_mail with
itself and its arguments. When the server cannot take the message (refused or dropped
connection, timeout, TLS failure, a 4xx reply), the same task is queued again, as a database row,
to run after a backoff with `attempt` one higher; each run loads its rows afresh, so a message
whose purpose has expired meanwhile (a used sign-in link, a confirmed subscription) is not sent
late. A permanent refusal (a 5xx reply to the sender, a recipient or the data) is logged and
dropped: asking again would only be refused again.
"""

import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Sequence

from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import Task
from django.utils import timezone

logger = logging.getLogger(__name__)

# Seconds to wait after the first, second, ... failed attempt; then the last one, every time.
RETRY_DELAYS = (10, 30, 60, 120, 300)
# A message no task has managed to send in this long is given up, with an error in the log.
GIVE_UP_AFTER = dt.timedelta(days=7)


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after attempt number `attempt` (0 for the first) failed."""
    return dt.timedelta(seconds=RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])


def time_waited(attempts: int) -> dt.timedelta:
    """The backoff waited in all once `attempts` attempts have failed."""
    return sum((retry_delay(attempt) for attempt in range(attempts)), dt.timedelta())


def is_permanent_refusal(error: OSError) -> bool:
    """A 5xx answer to MAIL FROM, RCPT TO or DATA: this message will never be taken."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def send_system_mail(
    message: EmailMessage,
    *,
    task: Task,
    args: Sequence,
    attempt: int,
    on_unsent: Callable[[], None] | None = None,
) -> bool:
    """Send `message`; True when the server took it.

    Otherwise `on_unsent` runs (to release whatever the task claimed before sending) and, unless
    the refusal was permanent, `task(*args, attempt=attempt + 1)` is queued after a backoff, in
    the same transaction, so the retry cannot run before the claim is released. An error that is
    not the server's (not an OSError) runs `on_unsent` too, then propagates.
    """
    what = _describe(task, args)
    try:
        message.send()
    except OSError as error:  # smtplib.SMTPException is an OSError, and so is ssl.SSLError
        with transaction.atomic():
            if on_unsent is not None:
                on_unsent()
            if is_permanent_refusal(error):
                logger.warning("%s: the mail server refused the message for good: %s", what, error)
            elif time_waited(attempt + 1) > GIVE_UP_AFTER:
                logger.error(
                    "%s: the mail server has been unavailable for %s; giving up: %r",
                    what,
                    GIVE_UP_AFTER,
                    error,
                )
            else:
                delay = retry_delay(attempt)
                task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1)
                logger.warning(
                    "%s: the mail server cannot take mail (%r); attempt %d failed, trying again "
                    "in %d s",
                    what,
                    error,
                    attempt + 1,
                    delay.total_seconds(),
                )
        return False
    except Exception:
        # Not the server: a bug, which fails the task. Its claim is given back all the same,
        # so that the message is not marked as sent and the task can be run again once fixed.
        if on_unsent is not None:
            on_unsent()
        raise
    if attempt:
        logger.info("%s: sent after %d failed attempts", what, attempt)
    return True


def drop_expired(task: Task, args: Sequence, reason: str) -> None:
    """Log a message not sent because it no longer serves any purpose."""
    logger.warning("%s: not sent: %s", _describe(task, args), reason)


def _describe(task: Task, args: Sequence) -> str:
    """send_confirmation(42): which task, for which rows, so the log leads to the cause."""
    return f"{task.name}({', '.join(map(repr, args))})"
