"""What a send came to: deliveries counted by outcome, and the most common reasons for those that
did not (yet) arrive; each in one query, for one send or a page of them."""

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Length, RowNumber, Substr

from masthead.delivery.models import Delivery, DeliveryState, Suppression
from masthead.subscriptions.models import SectionOptOut, Subscription, SubscriptionStatus

# A queued delivery that was tried and refused for now (greylisting, a full mailbox, a 4xx)
# waits for its next attempt at next_attempt_at.
RETRYING = Q(state=DeliveryState.QUEUED, attempts__gt=0) & ~Q(last_error="")
OUTCOMES = {
    "sent": Q(state=DeliveryState.SENT),
    "bounced": Q(state=DeliveryState.BOUNCED),
    "failed": Q(state=DeliveryState.FAILED),
    "retrying": RETRYING,
    "queued": Q(state=DeliveryState.QUEUED) & ~RETRYING,  # never tried yet
    "sending": Q(state=DeliveryState.SENDING),
    "suppressed": Q(state=DeliveryState.SUPPRESSED),
}
# Deliveries whose reason is worth showing: given up on, or waiting to be tried again.
HAS_REASON = Q(state__in=[DeliveryState.BOUNCED, DeliveryState.FAILED]) | RETRYING
REASON_CHARS = 120  # a server's reply can be paragraphs long; its first line says enough
NO_REASON = "No reason recorded"


def newsletter_recipients(
    publication_id: int, *, section_id: int | None = None
) -> QuerySet[Subscription]:
    """Who a newsletter goes to: active subscribers whose address is suppressed neither for this
    publication nor for all, and who did not choose the weekly digest instead (it brings them the
    week's posts in one email). With section_id (the post's section), readers who left that
    section are left out too. Fan-out copies these rows into deliveries (in SQL); the desk counts
    them before asking to send."""
    suppressed = Suppression.objects.filter(
        Q(publication_id=publication_id) | Q(publication__isnull=True),
        email=OuterRef("person__email"),
    )
    recipients = Subscription.objects.filter(
        ~Exists(suppressed),
        publication_id=publication_id,
        status=SubscriptionStatus.ACTIVE,
        gets_weekly_digest=False,
    )
    if section_id is not None:
        left_section = SectionOptOut.objects.filter(
            subscription_id=OuterRef("pk"), section_id=section_id
        )
        recipients = recipients.filter(~Exists(left_section))
    return recipients


def outcomes_by_send(send_ids) -> dict[int, dict[str, int]]:
    """Deliveries of each send counted by outcome, in one query whatever the number of sends."""
    send_ids = list(send_ids)
    counts = {send_id: dict.fromkeys(OUTCOMES, 0) for send_id in send_ids}
    rows = (
        Delivery.objects.filter(send_id__in=send_ids)
        .values("send_id")
        .annotate(**{name: Count("id", filter=condition) for name, condition in OUTCOMES.items()})
        .order_by()
    )
    for row in rows:
        counts[row.pop("send_id")] = row
    return counts


def send_outcomes(send_id: int) -> dict[str, int]:
    """sent, bounced, failed, retrying, queued (never tried), sending, suppressed: one query."""
    return outcomes_by_send([send_id])[send_id]


def unfinished_count(outcomes: dict[str, int]) -> int:
    """Deliveries still to be sent: never tried, waiting for a retry, or being sent now."""
    return outcomes["queued"] + outcomes["retrying"] + outcomes["sending"]


def has_reasons(outcomes: dict[str, int]) -> bool:
    """Whether a send with these outcomes has deliveries that HAS_REASON selects."""
    return bool(outcomes["bounced"] or outcomes["failed"] or outcomes["retrying"])


def reasons_by_send(send_ids, limit: int = 5) -> dict[int, list[tuple[str, int]]]:
    """Each send's most common reasons among bounced, failed and retrying deliveries, most common
    first, grouped by their first REASON_CHARS characters: one query, at most `limit` rows a send.
    """
    send_ids = list(send_ids)
    rows = (
        Delivery.objects.filter(HAS_REASON, send_id__in=send_ids)
        .values("send_id", reason=Substr("last_error", 1, REASON_CHARS))
        .annotate(n=Count("id"), longest=Max(Length("last_error")))
        # Ranked by the annotation n rather than Count("id") itself: Django would put an
        # aggregate inside a window's ORDER BY into the GROUP BY too.
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("send_id"),
                order_by=[F("n").desc(), F("reason").asc()],
            )
        )
        .filter(rank__lte=limit)
        .order_by("send_id", "rank")
    )
    reasons: dict[int, list[tuple[str, int]]] = {send_id: [] for send_id in send_ids}
    for row in rows:
        text = " ".join(row["reason"].split()) or NO_REASON
        if row["longest"] > REASON_CHARS:
            text += "…"
        reasons[row["send_id"]].append((text, row["n"]))
    return reasons


def common_reasons(send_id: int, limit: int = 5) -> list[tuple[str, int]]:
    """The send's most common reasons for bounced, failed and retrying deliveries: one query."""
    return reasons_by_send([send_id], limit)[send_id]
