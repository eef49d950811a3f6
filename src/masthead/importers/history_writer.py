"""Storing an export's email history: who each post went to and who opened it.

Each imported post the old platform emailed has a finished Send (post_writer.record_emailed);
every delivery becomes a sent Delivery under it, with its first open, so the post's numbers
(recipients, opens) read the same tables as for posts Masthead sent itself.
"""

from django.db.models import Count, Q
from django.db.models.functions import Lower

from masthead.delivery.models import Delivery, DeliveryState, Send, SendKind
from masthead.importers.post_writer import imported_post_ids, record_emailed
from masthead.importers.source import LineKind, ReportLine, SourceDelivery
from masthead.posts.models import Post
from masthead.publications.models import Publication
from masthead.subscriptions.importing.files import check_email
from masthead.subscriptions.models import Subscription


class HistoryWriter:
    def __init__(self, publication: Publication, source: str):
        self.publication = publication
        self.source = source
        self.post_ids = imported_post_ids(publication, source)
        self.send_ids: dict[int, int] = {}  # post id -> send id
        self.unknown_posts: set[str] = set()

    def _send_id(self, post_id: int, delivered_at) -> int:
        if post_id not in self.send_ids:
            send = Send.objects.filter(post_id=post_id, kind=SendKind.NEWSLETTER).first()
            if send is None:
                post = Post.objects.select_related("publication").get(id=post_id)
                send = record_emailed(post, delivered_at or post.published_at or post.created_at)
            self.send_ids[post_id] = send.id
        return self.send_ids[post_id]

    def write(self, deliveries: list[SourceDelivery]) -> list[ReportLine]:
        lines: list[ReportLine] = []
        rows: dict[tuple[int, str], SourceDelivery] = {}
        for delivery in deliveries:
            post_id = self.post_ids.get(delivery.post_source_id)
            if post_id is None:
                if delivery.post_source_id not in self.unknown_posts:
                    self.unknown_posts.add(delivery.post_source_id)
                    lines.append(
                        ReportLine(
                            LineKind.SKIPPED,
                            f"email history of post {delivery.post_source_id}"[:300],
                            "the post is not in the export",
                        )
                    )
                continue
            email, problem = check_email(delivery.email)
            if problem:
                continue  # the subscriber's own line already says why the address was refused
            rows[(self._send_id(post_id, delivery.delivered_at), email)] = delivery
        existing = set(
            Delivery.objects.filter(
                send_id__in={send_id for send_id, _ in rows},
                email__in={email for _, email in rows},
            ).values_list("send_id", "email")
        )
        for key in existing & rows.keys():
            del rows[key]
        if not rows:
            return lines
        subscription_ids = dict(
            Subscription.objects.filter(publication=self.publication)
            .annotate(email_lower=Lower("person__email"))
            .filter(email_lower__in={email for _, email in rows})
            .values_list("email_lower", "id")
        )
        Delivery.objects.bulk_create(
            [
                Delivery(
                    send_id=send_id,
                    subscription_id=subscription_ids.get(email),
                    email=email,
                    state=DeliveryState.SENT,
                    attempts=1,
                    sent_at=delivery.delivered_at or delivery.opened_at,
                    opened_at=delivery.opened_at,
                )
                for (send_id, email), delivery in rows.items()
            ],
            ignore_conflicts=True,  # imported before: the same export twice changes nothing
        )
        recount_sends({send_id for send_id, _ in rows})
        lines.extend(ReportLine(LineKind.IMPORTED, f"delivery to {email}", "") for _, email in rows)
        return lines


def recount_sends(send_ids: set[int]) -> None:
    """A send's recipient, sent and open counts, recounted from its deliveries."""
    counts = (
        Delivery.objects.filter(send_id__in=send_ids)
        .values("send_id")
        .annotate(
            total=Count("id"),
            sent=Count("id", filter=Q(state=DeliveryState.SENT)),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
        )
    )
    for row in counts:
        Send.objects.filter(id=row["send_id"]).update(
            recipient_count=row["total"], sent_count=row["sent"], open_count=row["opened"]
        )
