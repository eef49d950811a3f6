"""Paid subscribers in the desk's list and export: the Free / Paid / Comp filter, the plan and the
paid status in words, the next charge in the CSV; none of it while paid is not available."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from masthead.billing.models import (
    AccessGrant,
    BillingSettings,
    GrantKind,
    PaidSubscription,
    Plan,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def paid_on(publication, settings):
    """Stripe configured and the writer's prices on (rows as the desk's Prices page saves them)."""
    settings.STRIPE_SECRET_KEY = "sk_test_desk"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_desk"
    BillingSettings.objects.create(publication=publication, is_paid_on=True)
    return Plan.objects.create(
        publication=publication,
        interval="month",
        name="Monthly",
        amount=800,
        currency="usd",
        stripe_plan_id="plan_monthly",
    )


def pay(subscription, plan, status="active", *, ends=NOW + 20 * DAY, cancelling=False):
    return PaidSubscription.objects.create(
        subscription=subscription,
        plan=plan,
        stripe_subscription_id=f"sub_{subscription.pk}",
        status=status,
        current_period_end=ends,
        cancel_at_period_end=cancelling,
    )


def grant(subscription, kind=GrantKind.COMP, *, starts=NOW - DAY, ends=None):
    return AccessGrant.objects.create(
        publication=subscription.publication,
        person=subscription.person,
        kind=kind,
        starts_at=starts,
        ends_at=ends,
    )


@pytest.fixture
def list_page(owner_client, publication):
    def get(**params):
        response = owner_client.get(
            reverse("desk:subscriber_list", args=[publication.slug]), params
        )
        assert response.status_code == 200
        return response

    return get


@pytest.fixture
def export(owner_client, publication):
    def get(**params) -> list[dict]:
        response = owner_client.get(
            reverse("desk:subscriber_export", args=[publication.slug]), params
        )
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))

    return get


def listed_emails(response) -> list[str]:
    return re.findall(r'<td class="subscriber-email">([^<]+)</td>', response.text)


def paid_cells(response) -> dict[str, tuple[str, str]]:
    """Each listed email's Plan and Paid status cells, as text."""
    rows = re.findall(r'<tr class="subscriber-row">(.*?)</tr>', response.text, re.S)
    cells = {}
    for row in rows:
        email = re.search(r'subscriber-email">([^<]+)<', row).group(1)
        plan = re.search(r'subscriber-plan">(.*?)</td>', row, re.S).group(1)
        status = re.search(r'subscriber-paid-status">(.*?)</td>', row, re.S).group(1)
        cells[email] = (plan.strip(), re.sub(r"<[^>]+>", "", status).strip())
    return cells


@pytest.fixture
def mixed(publication, paid_on, subscribe):
    """One free, one paying, one comped, one whose comp ran out, one whose card payments ended."""
    free = subscribe(publication, "free@example.com")
    paying = subscribe(publication, "paying@example.com")
    pay(paying, paid_on)
    comped = subscribe(publication, "comped@example.com")
    grant(comped)
    lapsed = subscribe(publication, "lapsed@example.com")
    grant(lapsed, starts=NOW - 40 * DAY, ends=NOW - DAY)
    ended = subscribe(publication, "ended@example.com")
    pay(ended, paid_on, "canceled", ends=NOW - 5 * DAY)
    return {"free": free, "paying": paying, "comped": comped, "lapsed": lapsed, "ended": ended}


def test_the_paid_filter_keeps_the_paying_subscribers(list_page, mixed):
    assert listed_emails(list_page(paid="paid")) == ["paying@example.com"]


def test_the_comp_filter_keeps_subscribers_with_a_grant_that_covers_now(list_page, mixed):
    assert listed_emails(list_page(paid="comp")) == ["comped@example.com"]


def test_the_free_filter_keeps_everyone_without_paid_access(list_page, mixed):
    assert sorted(listed_emails(list_page(paid="free"))) == [
        "ended@example.com",
        "free@example.com",
        "lapsed@example.com",
    ]


def test_the_matching_count_follows_the_paid_filter(list_page, mixed):
    response = list_page(paid="free")

    assert "3 of 5 subscribers match." in " ".join(response.text.split())


def test_a_subscription_cancelled_at_a_past_period_end_counts_as_free(
    list_page, publication, paid_on, subscribe
):
    # Stripe's event saying it ended may be late; access already ended at the period's end.
    late = subscribe(publication, "late@example.com")
    pay(late, paid_on, ends=NOW - DAY, cancelling=True)

    assert listed_emails(list_page(paid="paid")) == []
    assert listed_emails(list_page(paid="free")) == ["late@example.com"]


def test_the_list_shows_plan_and_paid_status_in_words(list_page, publication, paid_on, subscribe):
    gift = Plan.objects.create(
        publication=publication,
        interval="year",
        name="Yearly",
        amount=8000,
        currency="usd",
        stripe_plan_id="plan_yearly",
    )
    pay(subscribe(publication, "active@example.com"), paid_on)
    pay(subscribe(publication, "trial@example.com"), gift, "trialing")
    pay(subscribe(publication, "late@example.com"), paid_on, "past_due")
    pay(
        subscribe(publication, "leaving@example.com"),
        paid_on,
        ends=dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC),
        cancelling=True,
    )
    pay(subscribe(publication, "gone@example.com"), paid_on, "canceled", ends=NOW - DAY)
    grant(subscribe(publication, "gifted@example.com"), GrantKind.GIFT, ends=NOW + 300 * DAY)
    came_back = subscribe(publication, "comped-after@example.com")
    pay(came_back, paid_on, "canceled", ends=NOW - 9 * DAY)
    grant(came_back, GrantKind.REFERRAL, ends=NOW + 30 * DAY)
    subscribe(publication, "free@example.com")

    cells = paid_cells(list_page())

    assert cells == {
        "active@example.com": ("Monthly", "active"),
        "trial@example.com": ("Yearly", "trial"),
        "late@example.com": ("Monthly", "past due"),
        "leaving@example.com": ("Monthly", "cancelling until Jun 30"),
        "gone@example.com": ("Monthly", "ended"),
        "gifted@example.com": ("Gift", "complimentary"),
        "comped-after@example.com": ("Referral reward", "complimentary"),
        "free@example.com": ("—", "—"),
    }


@pytest.mark.parametrize("size", [3, 40])
def test_the_paid_list_costs_the_same_queries_whatever_its_size(
    list_page, publication, paid_on, subscribe, django_assert_num_queries, size
):
    for number in range(size):
        subscription = subscribe(publication, f"reader{number}@example.com")
        if number % 3 == 0:
            pay(subscription, paid_on)
        elif number % 3 == 1:
            grant(subscription)

    # The publication (routing, twice), session and user, the membership, paid available
    # (settings, plan), the counts, the page: none of them per row.
    with django_assert_num_queries(9):
        response = list_page(paid="paid")

    assert len(listed_emails(response)) == len(range(0, size, 3))


def test_the_export_gains_plan_paid_status_and_next_charge(export, publication, paid_on, mixed):
    leaving = mixed["free"]
    pay(leaving, paid_on, ends=dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC), cancelling=True)

    rows = {row["email"]: row for row in export()}

    assert list(rows["paying@example.com"])[-3:] == ["plan", "paid_status", "next_charge_at"]
    paying = rows["paying@example.com"]
    assert (paying["plan"], paying["paid_status"]) == ("Monthly", "active")
    assert paying["next_charge_at"] == "2026-06-30T12:00:00+00:00"
    leaving_row = rows["free@example.com"]
    assert leaving_row["paid_status"] == "cancelling until 2026-06-30"
    assert leaving_row["next_charge_at"] == ""
    assert (rows["comped@example.com"]["plan"], rows["comped@example.com"]["paid_status"]) == (
        "Complimentary",
        "complimentary",
    )
    assert rows["ended@example.com"]["paid_status"] == "ended"
    assert rows["ended@example.com"]["next_charge_at"] == ""
    assert rows["lapsed@example.com"]["plan"] == ""


def test_the_export_applies_the_paid_filter(export, mixed):
    assert [row["email"] for row in export(paid="comp")] == ["comped@example.com"]


def test_the_export_costs_the_same_queries_whatever_its_size(
    owner_client, publication, paid_on, subscribe, django_assert_num_queries
):
    for number in range(30):
        pay(subscribe(publication, f"reader{number}@example.com"), paid_on)
    url = reverse("desk:subscriber_export", args=[publication.slug])

    # As the list's (see above), with one query for every row instead of the counts and page.
    with django_assert_num_queries(8):
        response = owner_client.get(url)
        lines = b"".join(response.streaming_content).decode().splitlines()

    assert len(lines) == 31


def test_an_unknown_paid_kind_is_ignored_with_a_note(list_page, mixed):
    response = list_page(paid="gold")

    assert len(listed_emails(response)) == 5
    assert "is not free, paid or comp" in response.text


def test_without_paid_the_page_has_no_paid_filter_or_columns(list_page, publication, subscribe):
    subscribe(publication, "free@example.com")

    response = list_page(paid="paid")

    assert listed_emails(response) == ["free@example.com"]
    assert 'name="paid"' not in response.text
    assert "Paid status" not in response.text
    assert "is not free, paid or comp" not in response.text


def test_when_the_writer_turns_paid_off_the_columns_go(list_page, publication, mixed):
    BillingSettings.objects.filter(publication=publication).update(is_paid_on=False)

    response = list_page(paid="comp")

    assert len(listed_emails(response)) == 5
    assert "Paid status" not in response.text


def test_without_paid_the_export_keeps_its_columns(export, publication, subscribe):
    subscribe(publication, "free@example.com")

    rows = export(paid="paid")

    assert list(rows[0]) == [
        "email",
        "name",
        "status",
        "source",
        "subscribed_at",
        "confirmed_at",
    ]


def test_an_author_may_not_see_who_pays(client, publication, author, mixed):
    client.force_login(author)

    response = client.get(
        reverse("desk:subscriber_list", args=[publication.slug]), {"paid": "paid"}
    )

    assert response.status_code in (403, 404)
