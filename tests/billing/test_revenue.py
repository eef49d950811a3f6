"""The revenue figures of the desk: paying subscribers and MRR now, and per month for the last
12 months the new, the churned and the MRR at the month's end; in a fixed number of queries.
Built from PaidSubscription rows directly: no Stripe needed."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from masthead.billing import revenue
from masthead.billing.models import BillingSettings, PaidSubscription, Plan
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def make_plan(publication, interval: str, amount: int, currency: str = "usd", is_active=True):
    return Plan.objects.create(
        publication=publication,
        interval=interval,
        name=interval.title(),
        amount=amount,
        currency=currency,
        stripe_plan_id=f"plan_test_{next(_ids)}",
        is_active=is_active,
    )


def make_paid(plan, started_at, *, ended_at=None, status="active", **fields):
    subscription = Subscription.objects.create(
        publication=plan.publication,
        person=make_person(),
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=started_at,
    )
    return PaidSubscription.objects.create(
        subscription=subscription,
        plan=plan,
        stripe_subscription_id=f"sub_test_{next(_ids)}",
        status=status,
        started_at=started_at,
        ended_at=ended_at,
        **fields,
    )


@pytest.fixture
def usd(publication):
    BillingSettings.objects.create(publication=publication, currency="usd", is_paid_on=True)
    return {
        "month": make_plan(publication, "month", 800),
        "year": make_plan(publication, "year", 8000),
        "founding": make_plan(publication, "founding", 20000),
    }


def month_of(figures, year: int, month: int) -> revenue.Month:
    return next(m for m in figures.months if (m.starts_at.year, m.starts_at.month) == (year, month))


@time_machine.travel(NOW, tick=False)
def test_mrr_counts_monthly_at_amount_and_yearly_and_founding_at_a_twelfth(publication, usd):
    make_paid(usd["month"], NOW - dt.timedelta(days=40))
    make_paid(usd["year"], NOW - dt.timedelta(days=20))
    make_paid(usd["founding"], NOW - dt.timedelta(days=5), status="trialing")

    figures = revenue.revenue_of(publication)

    assert figures.paying_count == 3
    # 8.00 + 80.00 / 12 + 200.00 / 12 = 8.00 + 6.666… + 16.666… = 31.33
    assert figures.mrr == Decimal("31.33")
    assert revenue.format_money(figures.mrr, figures.currency) == "31.33 USD"


@time_machine.travel(NOW, tick=False)
def test_only_paying_statuses_count_now(publication, usd):
    make_paid(usd["month"], NOW - dt.timedelta(days=40), status="past_due")
    make_paid(usd["month"], NOW - dt.timedelta(days=40), status="canceled", ended_at=NOW)
    make_paid(usd["month"], NOW - dt.timedelta(days=3), status="incomplete")
    make_paid(usd["month"], NOW - dt.timedelta(days=60), status="unpaid")
    # Set to cancel at a period end already past: Stripe's event is late, it no longer pays.
    make_paid(
        usd["year"],
        NOW - dt.timedelta(days=400),
        cancel_at_period_end=True,
        current_period_end=NOW - dt.timedelta(days=1),
    )

    figures = revenue.revenue_of(publication)

    assert figures.paying_count == 1
    assert figures.mrr == Decimal("8.00")
    assert figures.months[-1].mrr == Decimal("8.00")  # this month's bar says the same


@time_machine.travel(NOW, tick=False)
def test_each_month_counts_new_churned_and_mrr_at_its_end(publication, usd):
    make_paid(
        usd["month"],
        dt.datetime(2026, 3, 10, tzinfo=UTC),
        ended_at=dt.datetime(2026, 6, 5, tzinfo=UTC),
        status="canceled",
    )
    make_paid(usd["year"], dt.datetime(2026, 6, 20, tzinfo=UTC))
    make_paid(usd["month"], dt.datetime(2026, 11, 2, tzinfo=UTC))
    # Never paid: its card failed at the start. Neither new nor churned.
    make_paid(
        usd["month"],
        dt.datetime(2026, 7, 1, tzinfo=UTC),
        ended_at=dt.datetime(2026, 7, 2, tzinfo=UTC),
        status="incomplete_expired",
    )

    figures = revenue.revenue_of(publication)

    assert [m.label for m in figures.months][:2] == ["Dec 2025", "Jan 2026"]
    assert figures.months[-1].label == "Nov 2026" and figures.months[-1].is_current
    assert len(figures.months) == 12
    assert [m.new_count for m in figures.months] == [0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1]
    assert [m.churned_count for m in figures.months] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    assert month_of(figures, 2026, 2).mrr == Decimal("0.00")
    assert month_of(figures, 2026, 3).mrr == Decimal("8.00")
    assert month_of(figures, 2026, 5).mrr == Decimal("8.00")
    assert month_of(figures, 2026, 6).mrr == Decimal("6.67")
    assert month_of(figures, 2026, 11).mrr == Decimal("14.67") == figures.mrr


@time_machine.travel(NOW, tick=False)
def test_months_follow_the_publications_time_zone(publication, usd):
    publication.time_zone = "America/New_York"
    publication.save(update_fields=["time_zone"])
    # 02:00 UTC on 1 October is still 30 September in New York.
    make_paid(usd["month"], dt.datetime(2026, 10, 1, 2, 0, tzinfo=UTC))

    figures = revenue.revenue_of(publication)

    assert month_of(figures, 2026, 9).new_count == 1
    assert month_of(figures, 2026, 10).new_count == 0


@time_machine.travel(NOW, tick=False)
def test_subscriptions_in_another_currency_are_left_out(publication, usd):
    make_paid(
        make_plan(publication, "month", 900, "eur", is_active=False), NOW - dt.timedelta(days=9)
    )
    make_paid(usd["month"], NOW - dt.timedelta(days=9))

    figures = revenue.revenue_of(publication)

    assert (figures.paying_count, figures.mrr) == (1, Decimal("8.00"))


@time_machine.travel(NOW, tick=False)
def test_other_publications_do_not_count(publication, usd):
    from tests.factories import make_publication

    other = make_publication()
    make_paid(make_plan(other, "month", 5000), NOW - dt.timedelta(days=9))

    assert revenue.revenue_of(publication).paying_count == 0


@time_machine.travel(NOW, tick=False)
def test_the_figures_take_the_same_queries_whatever_the_number_of_subscribers(
    publication, usd, django_assert_max_num_queries
):
    for days in range(0, 360, 12):
        make_paid(usd["month" if days % 24 else "year"], NOW - dt.timedelta(days=days))
    make_paid(
        usd["month"],
        NOW - dt.timedelta(days=200),
        ended_at=NOW - dt.timedelta(days=100),
        status="canceled",
    )

    with django_assert_max_num_queries(2):
        figures = revenue.revenue_of(publication)

    assert figures.paying_count == 30


@time_machine.travel(NOW, tick=False)
def test_plans_show_their_paying_subscribers_and_retired_plans_still_paid(publication, usd):
    retired = make_plan(publication, "month", 500, is_active=False)
    forgotten = make_plan(publication, "year", 4000, is_active=False)
    make_paid(retired, NOW - dt.timedelta(days=300))
    make_paid(usd["month"], NOW - dt.timedelta(days=3))
    make_paid(usd["month"], NOW - dt.timedelta(days=3))
    make_paid(usd["month"], NOW - dt.timedelta(days=90), status="canceled", ended_at=NOW)

    shown = revenue.plans_with_paying_counts(publication)

    assert [(plan.pk, plan.paying_count) for plan in shown] == [
        (usd["month"].pk, 2),
        (usd["year"].pk, 0),
        (usd["founding"].pk, 0),
        (retired.pk, 1),
    ]
    assert forgotten.pk not in [plan.pk for plan in shown]
    assert shown[0].price_text == "8.00 USD"


# The page


def desk_url(publication) -> str:
    return reverse("desk:billing:desk_revenue", args=[publication.slug])


@pytest.fixture
def owner(publication):
    person = make_person(name="Olive Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@time_machine.travel(NOW, tick=False)
def test_revenue_page_shows_the_figures_and_two_described_charts(client, publication, usd, owner):
    make_paid(usd["month"], dt.datetime(2026, 3, 10, tzinfo=UTC))
    make_paid(usd["year"], dt.datetime(2026, 6, 20, tzinfo=UTC))
    make_paid(usd["year"], dt.datetime(2026, 6, 21, tzinfo=UTC))
    client.force_login(owner)

    response = client.get(desk_url(publication))

    assert response.status_code == 200
    html = response.content.decode()
    assert '21.33 <span class="stat__unit">USD</span>' in html  # 8.00 + 2 × 80.00 / 12
    assert html.count("<svg") == 2
    assert html.count('role="img"') == 2
    assert "Jun 2026: 21.33 USD" in html  # the MRR chart's description
    assert "Jun 2026: 2 new, 0 churned" in html
    assert "MRR at month end, USD" in html
    assert '<td class="table__number">21.33</td>' in html


@time_machine.travel(NOW, tick=False)
def test_revenue_page_takes_the_same_queries_whatever_the_number_of_subscribers(
    client, publication, usd, owner, django_assert_max_num_queries
):
    for days in range(0, 360, 7):
        make_paid(usd["month"], NOW - dt.timedelta(days=days))
    client.force_login(owner)

    with django_assert_max_num_queries(10):
        response = client.get(desk_url(publication))

    assert response.status_code == 200


def test_authors_may_not_see_revenue(client, publication):
    author = make_person()
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    client.force_login(author)

    assert client.get(desk_url(publication)).status_code == 403


def test_strangers_and_readers_get_not_found(client, publication, reader):
    client.force_login(reader)

    assert client.get(desk_url(publication)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, publication):
    response = client.get(desk_url(publication))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:sign_in"))
