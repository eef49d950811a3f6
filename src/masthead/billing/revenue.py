"""A publication's paid figures for the desk: paying subscribers and monthly recurring revenue
(MRR) now, and for each of the last 12 months the new paid subscribers, those who stopped
(churned) and the MRR at the month's end. Two queries whatever the number of subscribers: the
figures are sums computed by the database.

MRR counts what paying subscriptions bring in a month: a monthly plan its amount, a yearly or
founding member plan a twelfth of its amount. Comps, referral rewards and gifts bring nothing.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from masthead.billing.access import PAYING_STATUSES
from masthead.billing.models import PaidSubscription, Plan, PlanInterval
from masthead.billing.plans import billing_settings
from masthead.core.time_zones import zone_of

MONTHS_SHOWN = 12
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Month:
    starts_at: dt.datetime
    ends_at: dt.datetime  # the next month's start, or now for the month under way
    new_count: int
    churned_count: int
    mrr: Decimal  # at the month's end, in the currency's units
    is_current: bool = False  # the month under way: its figures are so far, its MRR is now's

    @property
    def label(self) -> str:
        """'Nov 2026', in the publication's time zone (the template's would shift a month)."""
        return f"{self.starts_at:%b %Y}"

    @property
    def net_count(self) -> int:
        return self.new_count - self.churned_count


@dataclass(frozen=True)
class Revenue:
    currency: str
    paying_count: int
    mrr: Decimal
    months: list[Month]


def to_units(cents) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | int, currency: str) -> str:
    """'1,234.50 USD': two decimals and the currency's code, whatever the currency."""
    return f"{Decimal(amount):,.2f} {currency.upper()}"


def has_paid() -> Q:
    """A subscription that paid at some point: paying now, or canceled with its end recorded.
    One whose first payment failed (incomplete, incomplete_expired) never counts."""
    return Q(status__in=PAYING_STATUSES) | Q(ended_at__isnull=False, status="canceled")


def paying_at(moment) -> Q:
    """A subscription that was paying at that past moment: begun and not yet ended."""
    return (
        has_paid() & Q(started_at__lte=moment) & (Q(ended_at__isnull=True) | Q(ended_at__gt=moment))
    )


def _paying_now(now) -> Q:
    """Paying this moment (the rule of billing.access): a subscription set to cancel at its
    period's end stops counting at that end even before Stripe says so."""
    return Q(status__in=PAYING_STATUSES, ended_at__isnull=True) & ~Q(
        cancel_at_period_end=True, current_period_end__lte=now
    )


def _cents(condition: Q, interval: Q) -> Coalesce:
    return Coalesce(
        Sum("plan__amount", filter=condition & interval), Value(0), output_field=IntegerField()
    )


def _mrr(monthly_cents: int, yearly_cents: int) -> Decimal:
    return to_units(Decimal(monthly_cents) + Decimal(yearly_cents) / 12)


def month_starts(now, zone, count: int = MONTHS_SHOWN) -> list[dt.datetime]:
    """The starts of the last `count` months (this one last), in the publication's time zone."""
    local = timezone.localtime(now, zone)
    year, month = local.year, local.month
    starts = []
    for _ in range(count):
        starts.append(dt.datetime(year, month, 1, tzinfo=zone))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def revenue_of(publication, *, now=None) -> Revenue:
    """Paying subscribers, MRR and the last 12 months, in the publication's currency."""
    now = now or timezone.now()
    currency = billing_settings(publication).currency
    starts = month_starts(now, zone_of(publication))
    ends = [*starts[1:], now]
    monthly = Q(plan__interval=PlanInterval.MONTH)
    yearly = Q(plan__interval__in=[PlanInterval.YEAR, PlanInterval.FOUNDING])
    ever_paid = has_paid()
    last = len(starts) - 1
    figures = {
        "paying_count": Count("pk", filter=_paying_now(now)),
        "now_monthly": _cents(_paying_now(now), monthly),
        "now_yearly": _cents(_paying_now(now), yearly),
    }
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        figures[f"new_{index}"] = Count(
            "pk", filter=ever_paid & Q(started_at__gte=start, started_at__lt=end)
        )
        figures[f"churned_{index}"] = Count(
            "pk", filter=Q(ended_at__gte=start, ended_at__lt=end) & ever_paid
        )
        # The month under way ends now: its MRR is today's, by the same rule as the total.
        paying = _paying_now(now) if index == last else paying_at(end)
        figures[f"monthly_{index}"] = _cents(paying, monthly)
        figures[f"yearly_{index}"] = _cents(paying, yearly)
    row = PaidSubscription.objects.filter(
        subscription__publication=publication, plan__currency=currency
    ).aggregate(**figures)
    months = [
        Month(
            starts_at=start,
            ends_at=end,
            new_count=row[f"new_{index}"],
            churned_count=row[f"churned_{index}"],
            mrr=_mrr(row[f"monthly_{index}"], row[f"yearly_{index}"]),
            is_current=index == last,
        )
        for index, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]
    return Revenue(
        currency=currency,
        paying_count=row["paying_count"],
        mrr=_mrr(row["now_monthly"], row["now_yearly"]),
        months=months,
    )


def plans_with_paying_counts(publication, *, now=None) -> list[Plan]:
    """The active plans and the retired ones someone still pays, each with `paying_count`; in
    one query. Active first (monthly, yearly, founding), then retired, newest first."""
    now = now or timezone.now()
    paying = Q(
        subscriptions__status__in=PAYING_STATUSES, subscriptions__ended_at__isnull=True
    ) & ~Q(subscriptions__cancel_at_period_end=True, subscriptions__current_period_end__lte=now)
    plans = list(
        Plan.objects.filter(publication=publication)
        .annotate(paying_count=Count("subscriptions", filter=paying))
        .filter(Q(is_active=True) | Q(paying_count__gt=0))
    )
    for plan in plans:
        plan.price_text = format_money(to_units(plan.amount), plan.currency)
    order = {PlanInterval.MONTH: 0, PlanInterval.YEAR: 1, PlanInterval.FOUNDING: 2}
    return sorted(
        plans,
        key=lambda plan: (not plan.is_active, order[plan.interval], -plan.created_at.timestamp()),
    )
