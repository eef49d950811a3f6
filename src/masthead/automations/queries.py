"""Reads for automations: who is due which email now, each email's results, the schedule the
desk previews, and what the desk calendar shows; each a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from masthead.automations.models import (
    TRIGGER_LABELS,
    AutomationDelivery,
    AutomationEmail,
    AutomationKind,
    AutomationSend,
    DigestRun,
)
from masthead.billing.access import PAYING_STATUSES
from masthead.core.time_zones import zone_of
from masthead.delivery.models import Suppression
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

# The moment each kind's clock starts, as a path from the subscription row.
TRIGGER_FIELDS = {
    AutomationKind.WELCOME: "confirmed_at",
    AutomationKind.PAID_UPGRADE: "paid__started_at",
    AutomationKind.WIN_BACK: "paid__ended_at",
}
CALENDAR_CAP = 200  # entries at most in scheduled_between's answer


def reachable_subscriptions(publication_id: int) -> QuerySet[Subscription]:
    """Active subscribers whose address is suppressed neither here nor everywhere: who may get
    an automation email or the digest (digest readers too, unlike newsletters)."""
    suppressed = Suppression.objects.filter(
        Q(publication_id=publication_id) | Q(publication__isnull=True),
        email=OuterRef("person__email"),
    )
    return Subscription.objects.filter(
        ~Exists(suppressed), publication_id=publication_id, status=SubscriptionStatus.ACTIVE
    )


def in_trigger_state(subscriptions: QuerySet[Subscription], kind: str) -> QuerySet[Subscription]:
    """Subscriptions whose trigger still holds: a paid upgrade goes to readers still paying, a
    win-back to readers whose paid subscription ended and who are not paying again."""
    if kind == AutomationKind.PAID_UPGRADE:
        return subscriptions.filter(
            paid__status__in=PAYING_STATUSES,
            paid__started_at__isnull=False,
            paid__ended_at__isnull=True,
        )
    if kind == AutomationKind.WIN_BACK:
        return subscriptions.filter(paid__ended_at__isnull=False).exclude(
            paid__status__in=PAYING_STATUSES
        )
    # Readers brought in by an import subscribed elsewhere long ago: no welcome for them.
    return subscriptions.filter(confirmed_at__isnull=False).exclude(
        source=SubscriptionSource.IMPORT
    )


def due_subscriptions(email: AutomationEmail, now: dt.datetime) -> QuerySet[Subscription]:
    """Who gets `email` now: reachable, in its trigger's state, their moment for it (trigger +
    delay) come, and come no earlier than the email was switched on, and not sent it yet."""
    field = TRIGGER_FIELDS[email.kind]
    delay = dt.timedelta(days=email.delay_days)
    already = AutomationDelivery.objects.filter(email=email, subscription=OuterRef("pk"))
    return in_trigger_state(reachable_subscriptions(email.publication_id), email.kind).filter(
        ~Exists(already),
        **{f"{field}__lte": now - delay, f"{field}__gte": email.active_since - delay},
    )


def emails_of(publication) -> list[AutomationEmail]:
    return list(
        AutomationEmail.objects.filter(publication=publication)
        .defer("body_markdown", "body_html")
        .order_by("kind", "position", "id")
    )


@dataclass
class EmailResults:
    sent: int = 0
    opens: int = 0
    clicks: int = 0

    @property
    def open_rate(self) -> float | None:
        return self.opens / self.sent if self.sent else None


def results_by_email(publication) -> dict[int, EmailResults]:
    """Each automation email's sent, opens and clicks, summed over its sends: one query."""
    rows = (
        AutomationSend.objects.filter(email__publication=publication)
        .values("email_id")
        .annotate(
            sent=Sum("send__sent_count"),
            opens=Sum("send__open_count"),
            clicks=Sum("send__click_count"),
        )
        .order_by()
    )
    return {
        row["email_id"]: EmailResults(row["sent"] or 0, row["opens"] or 0, row["clicks"] or 0)
        for row in rows
    }


@dataclass(frozen=True)
class ScheduleStep:
    day: int
    subject: str
    is_active: bool
    trigger: str


def schedule_preview(emails: list[AutomationEmail]) -> dict[str, list[ScheduleStep]]:
    """Per kind, the emails in the order a reader gets them: "Day 0: …, Day 3: …"."""
    steps: dict[str, list[ScheduleStep]] = {kind: [] for kind in AutomationKind.values}
    for email in sorted(emails, key=lambda e: (e.delay_days, e.position, e.id)):
        steps[email.kind].append(
            ScheduleStep(
                email.delay_days, email.subject, email.is_active, TRIGGER_LABELS[email.kind]
            )
        )
    return steps


def digest_runs(publication, limit: int = 12) -> list[DigestRun]:
    return list(DigestRun.objects.filter(publication=publication).select_related("send")[:limit])


@dataclass(frozen=True)
class CalendarEntry:
    when: dt.datetime
    title: str
    kind_label: str
    url: str
    count: int = 1  # readers it goes to (automation emails), 1 for a digest


def has_day_zero_welcome(subscription_id: int) -> bool:
    """Whether the subscription's publication has a welcome email of its own going out right
    away (delay 0, on): the built-in welcome then stays unsent."""
    return AutomationEmail.objects.filter(
        publication__subscriptions__id=subscription_id,
        kind=AutomationKind.WELCOME,
        delay_days=0,
        is_active=True,
    ).exists()


def scheduled_between(publication, start: dt.datetime, end: dt.datetime) -> list[CalendarEntry]:
    """Automation emails due for existing subscribers, grouped by email and day, and the next
    digests, between start and end: one grouped query per active email, capped at CALENDAR_CAP
    entries; never a loop over subscribers."""
    from masthead.automations.digest import digest_moments, digest_settings_of

    zone = zone_of(publication)
    entries: list[CalendarEntry] = []
    for email in AutomationEmail.objects.filter(publication=publication, is_active=True).defer(
        "body_markdown", "body_html"
    ):
        field = TRIGGER_FIELDS[email.kind]
        delay = dt.timedelta(days=email.delay_days)
        # What is still to come: earlier readers have had it (or get it in the next round).
        earliest = max(start, email.active_since or start, timezone.now())
        already = AutomationDelivery.objects.filter(email=email, subscription=OuterRef("pk"))
        rows = (
            in_trigger_state(reachable_subscriptions(publication.id), email.kind)
            .filter(
                ~Exists(already), **{f"{field}__gte": earliest - delay, f"{field}__lt": end - delay}
            )
            .annotate(day=TruncDate(F(field), tzinfo=zone))
            .values("day")
            .annotate(count=Count("id"))
            .order_by("day")[:CALENDAR_CAP]
        )
        url = reverse("desk:automations:edit", args=[publication.slug, email.id])
        for row in rows:
            day = dt.datetime.combine(row["day"], dt.time(), zone)
            when = max(day + delay, start)
            entries.append(
                CalendarEntry(
                    when=when,
                    title=f"{email.subject} ({row['count']} reader{'s' if row['count'] != 1 else ''})",
                    kind_label=email.get_kind_display(),
                    url=url,
                    count=row["count"],
                )
            )
    # Digests: those that went out in the window, and the coming ones (a past moment with no
    # run had no posts or no readers: nothing went out, so nothing is shown).
    url = reverse("desk:automations:overview", args=[publication.slug])
    for run in DigestRun.objects.filter(
        publication=publication, send__isnull=False, created_at__gte=start, created_at__lt=end
    ).only("created_at", "post_count"):
        title = f"Weekly digest ({run.post_count} post{'s' if run.post_count != 1 else ''})"
        entries.append(CalendarEntry(run.created_at, title, "Weekly digest (sent)", url))
    digest_settings = digest_settings_of(publication)
    if digest_settings.is_on:
        coming_from = max(start, timezone.now())
        for moment in digest_moments(publication, digest_settings, coming_from, end):
            entries.append(CalendarEntry(moment, "Weekly digest", "Weekly digest", url))
    entries.sort(key=lambda entry: entry.when)
    return entries[:CALENDAR_CAP]
