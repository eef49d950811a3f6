"""Storing an export's subscribers: their subscription with its dates, and paid access as comps.

Paid and comped readers of the old platform get a comp (billing.AccessGrant) until their paid
period ends, or, without an end, until the writer moves their Stripe subscription over; their
Stripe customer id is kept so the subscription can be found again.
"""

from django.db.models.functions import Lower
from django.utils import timezone

from masthead.accounts.people import ensure_people
from masthead.billing.models import AccessGrant, GrantKind, StripeCustomer
from masthead.importers.source import LineKind, PaidKind, ReportLine, SourceSubscriber
from masthead.publications.models import Publication
from masthead.subscriptions.importing.files import check_email, check_name
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

DELETION_DOMAIN = "@deletion-request.substack.com"
PAID_WORDS = {PaidKind.PAID: "paying", PaidKind.COMP: "complimentary", PaidKind.GIFT: "gift"}


class SubscriberWriter:
    def __init__(self, publication: Publication, source_label: str, importer_id: int | None):
        self.publication = publication
        self.source_label = source_label
        self.importer_id = importer_id
        self.seen: set[str] = set()  # addresses of this run, for duplicates across batches

    def write(self, subscribers: list[SourceSubscriber]) -> list[ReportLine]:
        lines: list[ReportLine] = []
        good: dict[str, SourceSubscriber] = {}
        for subscriber in subscribers:
            item = f"subscriber {subscriber.email.strip()[:200] or '(no address)'}"
            if subscriber.email.strip().lower().endswith(DELETION_DOMAIN):
                lines.append(ReportLine(LineKind.SKIPPED, item, "asked Substack to delete them"))
                continue
            email, problem = check_email(subscriber.email)
            if not problem:
                subscriber.name, problem = check_name(subscriber.name)
            if problem:
                lines.append(ReportLine(LineKind.SKIPPED, item, problem))
            elif email in good or email in self.seen:
                lines.append(ReportLine(LineKind.SKIPPED, item, "listed twice in the export"))
            else:
                good[email] = subscriber
        self.seen.update(good)
        existing = set(
            Subscription.objects.filter(publication=self.publication)
            .annotate(email_lower=Lower("person__email"))
            .filter(email_lower__in=list(good))
            .values_list("email_lower", flat=True)
        )
        for email in sorted(existing):
            lines.append(
                ReportLine(
                    LineKind.SKIPPED, f"subscriber {email}", "already on your list; left as it is"
                )
            )
            del good[email]
        if not good:
            return lines
        ids = ensure_people({email: subscriber.name for email, subscriber in good.items()})
        now = timezone.now()
        Subscription.objects.bulk_create(
            [self._subscription(ids[email], subscriber, now) for email, subscriber in good.items()],
            ignore_conflicts=True,
        )
        self._write_paid(good, ids, now, lines)
        lines.extend(ReportLine(LineKind.IMPORTED, f"subscriber {email}", "") for email in good)
        for email, subscriber in good.items():
            if subscriber.is_active and not subscriber.wants_email:
                lines.append(
                    ReportLine(
                        LineKind.WARNING,
                        f"subscriber {email}",
                        "had turned email off: imported as unsubscribed, so they get no email",
                    )
                )
        return lines

    def _subscription(self, person_id, subscriber: SourceSubscriber, now) -> Subscription:
        since = subscriber.subscribed_at or now
        is_active = subscriber.is_active and subscriber.wants_email
        subscription = Subscription(
            publication=self.publication,
            person_id=person_id,
            status=SubscriptionStatus.ACTIVE if is_active else SubscriptionStatus.UNSUBSCRIBED,
            source=SubscriptionSource.IMPORT,
            created_at=since,
            # They confirmed with the platform they come from; no confirmation email.
            confirmed_at=since,
            unsubscribed_at=None if is_active else now,
        )
        if hasattr(subscription, "labels"):
            subscription.labels = list(dict.fromkeys(label[:40] for label in subscriber.labels))[
                :20
            ]
        return subscription

    def _write_paid(self, good: dict[str, SourceSubscriber], ids, now, lines) -> None:
        grants = []
        customers = []
        for email, subscriber in good.items():
            if subscriber.paid_kind == PaidKind.NONE:
                continue
            item = f"subscriber {email}"
            if subscriber.stripe_customer_id:
                customers.append((ids[email], subscriber.stripe_customer_id[:255], item))
            if subscriber.paid_until and subscriber.paid_until <= now:
                lines.append(
                    ReportLine(
                        LineKind.WARNING,
                        item,
                        f"paid access ended on {subscriber.paid_until:%Y-%m-%d}: imported as free",
                    )
                )
                continue
            note = f"Imported from {self.source_label} ({PAID_WORDS[subscriber.paid_kind]})"
            grants.append(
                AccessGrant(
                    publication=self.publication,
                    person_id=ids[email],
                    kind=GrantKind.COMP,
                    starts_at=now,
                    ends_at=subscriber.paid_until,
                    note=note[:200],
                    granted_by_id=self.importer_id,
                )
            )
        AccessGrant.objects.bulk_create(grants)
        self._write_customers(customers, lines)

    @staticmethod
    def _write_customers(customers, lines) -> None:
        if not customers:
            return
        known_people = set(
            StripeCustomer.objects.filter(
                person_id__in=[person_id for person_id, _, _ in customers]
            ).values_list("person_id", flat=True)
        )
        known_ids = set(
            StripeCustomer.objects.filter(
                stripe_customer_id__in=[customer for _, customer, _ in customers]
            ).values_list("stripe_customer_id", flat=True)
        )
        new = []
        for person_id, customer, item in customers:
            if person_id in known_people or customer in known_ids:
                lines.append(
                    ReportLine(
                        LineKind.WARNING,
                        item,
                        f"Stripe customer {customer} not linked: this reader or customer is "
                        "already linked to another",
                    )
                )
                continue
            known_people.add(person_id)
            known_ids.add(customer)
            new.append(StripeCustomer(person_id=person_id, stripe_customer_id=customer))
        StripeCustomer.objects.bulk_create(new)
