"""The desk's page of one subscriber: source and attribution, activity stars (or "not computed
yet"), paid history with comps, the last 20 emails; only the publication's managers see it."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription, Plan
from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.publications.models import Role
from masthead.stats.models import SubscriberActivity
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.factories import make_person, make_post, make_publication
from tests.stats.dashboard_data import make_writer

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, publication):
    client.force_login(make_writer(publication))
    return client


@pytest.fixture
def subscription(publication):
    post = make_post(publication, "The post that did it")
    return Subscription.objects.create(
        publication=publication,
        person=make_person("Sam Subscriber", "sam@example.com"),
        status=SubscriptionStatus.ACTIVE,
        source=SubscriptionSource.RECOMMENDATION,
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring",
        attributed_post=post,
        confirmed_at=timezone.now(),
    )


def detail_url(publication, subscription_id) -> str:
    return reverse("desk:subscriber_detail", args=[publication.slug, subscription_id])


def send_posts(publication, subscription, count: int, opened_every: int = 2) -> list[Delivery]:
    deliveries = []
    start = timezone.now() - dt.timedelta(days=count)
    for number in range(count):
        post = make_post(publication, f"Letter {number}")
        send = Send.objects.create(
            publication=publication, post=post, state=SendState.DONE, sender="x@example.com",
            subject=f"Letter {number}", html_template="<p>x</p>", text_template="x",
        )  # fmt: skip
        sent_at = start + dt.timedelta(days=number)
        deliveries.append(
            Delivery.objects.create(
                send=send,
                subscription=subscription,
                email=subscription.person.email,
                state=DeliveryState.SENT,
                sent_at=sent_at,
                opened_at=sent_at + dt.timedelta(hours=1) if number % opened_every == 0 else None,
                click_count=number % 3,
            )  # fmt: skip
        )
    return deliveries


def test_page_shows_who_they_are_and_where_they_came_from(signed_in, publication, subscription):
    response = signed_in.get(detail_url(publication, subscription.id))
    assert response.status_code == 200
    html = response.content.decode()
    assert "sam@example.com" in html and "Sam Subscriber" in html
    assert '<dd data-fact="source">Recommendation</dd>' in html
    assert "source newsletter, medium email, campaign spring" in html
    assert "The post that did it" in html
    assert "Activity not computed yet" in html
    assert "Never paid" in html
    assert "No email sent to them yet." in html


def test_page_shows_the_activity_stars_and_engagement(signed_in, publication, subscription):
    first = timezone.now() - dt.timedelta(days=100)
    SubscriberActivity.objects.create(
        subscription=subscription, publication=publication, stars=4, opens_30d=7, clicks_30d=3,
        emails_30d=8, first_engaged_at=first, last_engaged_at=timezone.now(),
    )  # fmt: skip
    html = signed_in.get(detail_url(publication, subscription.id)).content.decode()
    assert 'data-stars="4"' in html and "★★★★☆" in html and "4 of 5 stars" in html
    assert '<dd data-fact="opens-30d">7</dd>' in html
    assert '<dd data-fact="clicks-30d">3</dd>' in html
    assert timezone.localtime(first).strftime("%Y-%m-%d") in html


def test_page_shows_paid_history_and_comps(signed_in, publication, subscription):
    plan = Plan.objects.create(
        publication=publication, interval="month", name="Monthly", amount=500, currency="usd",
        stripe_plan_id="plan_x",
    )  # fmt: skip
    PaidSubscription.objects.create(
        subscription=subscription, plan=plan, stripe_subscription_id="sub_x", status="canceled",
        ended_at=timezone.now(),
    )  # fmt: skip
    AccessGrant.objects.create(
        publication=publication, person=subscription.person, kind=GrantKind.COMP,
        note="Friend of the house",
    )  # fmt: skip
    html = signed_in.get(detail_url(publication, subscription.id)).content.decode()
    paid = re.search(r'<tr data-paid="subscription">(.*?)</tr>', html).group(1)
    assert "Monthly" in paid and "ended" in paid
    grant = re.search(r'<tr data-paid="grant">(.*?)</tr>', html).group(1)
    assert "Complimentary" in grant and "Friend of the house" in grant and "open-ended" in grant


def test_page_lists_the_last_twenty_emails_with_opens(signed_in, publication, subscription):
    deliveries = send_posts(publication, subscription, 22)
    html = signed_in.get(detail_url(publication, subscription.id)).content.decode()
    shown = [int(found) for found in re.findall(r'<tr data-delivery="(\d+)">', html)]
    assert shown == [delivery.id for delivery in reversed(deliveries)][:20]
    newest = re.search(rf'<tr data-delivery="{deliveries[-1].id}">(.*?)</tr>', html).group(1)
    assert "not opened" in newest  # number 21 is odd
    opened = re.search(rf'<tr data-delivery="{deliveries[-2].id}">(.*?)</tr>', html).group(1)
    assert "not opened" not in opened


def test_the_page_costs_the_same_queries_with_more_history(client, publication):
    counts = []
    for count in (2, 20):
        other = make_publication()
        writer = make_writer(other)
        subscription = Subscription.objects.create(
            publication=other, person=make_person(), status=SubscriptionStatus.ACTIVE
        )
        send_posts(other, subscription, count)
        for _ in range(count // 2):
            AccessGrant.objects.create(
                publication=other, person=subscription.person, kind=GrantKind.GIFT
            )
        client.force_login(writer)
        with CaptureQueriesContext(connection) as run:
            assert client.get(detail_url(other, subscription.id)).status_code == 200
        counts.append(len(run))
    assert counts[0] == counts[1]


def test_another_publications_subscriber_is_a_404(signed_in, publication):
    other = make_publication()
    theirs = Subscription.objects.create(publication=other, person=make_person())
    assert signed_in.get(detail_url(publication, theirs.id)).status_code == 404
    assert signed_in.get(detail_url(publication, 2**63)).status_code == 404
    assert signed_in.get(detail_url(publication, 0)).status_code == 404


def test_only_the_publications_managers_see_the_page(client, publication, subscription):
    other = make_publication()
    client.force_login(make_writer(other))
    assert client.get(detail_url(publication, subscription.id)).status_code == 404
    client.force_login(subscription.person)
    assert client.get(detail_url(publication, subscription.id)).status_code == 404
    client.force_login(make_writer(publication, role=Role.AUTHOR))
    assert client.get(detail_url(publication, subscription.id)).status_code == 403
    client.logout()
    assert client.get(detail_url(publication, subscription.id)).status_code == 302


def test_the_subscriber_list_links_each_row_to_its_page(signed_in, publication, subscription):
    html = signed_in.get(reverse("desk:subscriber_list", args=[publication.slug])).content.decode()
    assert f'href="{detail_url(publication, subscription.id)}"' in html
