"""The desk's prices page: what a missing Stripe setup needs, prices typed as a writer types
money, a changed price as a new plan (its subscribers keep the old one), the paid switch, and
who may use it."""

import pytest
from django.urls import reverse

from masthead.billing import plans
from masthead.billing.desk_forms import parse_amount
from masthead.billing.models import BillingSettings, PaidSubscription, Plan
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person


def plans_url(publication) -> str:
    return reverse("desk:billing:desk_plans", args=[publication.slug])


@pytest.fixture
def owner(publication):
    person = make_person(name="Olive Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def prices(**changes) -> dict:
    return {
        "currency": "usd",
        "monthly": "8",
        "yearly": "80.00",
        "founding": "",
        "founding_name": "",
        "is_paid_on": "on",
        **changes,
    }


def active(publication) -> dict:
    return {
        plan.interval: (plan.amount, plan.name, plan.currency)
        for plan in Plan.objects.filter(publication=publication, is_active=True)
    }


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("8", 800),
        ("8.00", 800),
        ("8.5", 850),
        ("1,000.50", 100050),
        (" 12 ", 1200),
        ("$9.99", 999),
        ("1000", 100000),
    ],
)
def test_amounts_are_read_as_writers_type_them(typed, cents):
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("eight", "digits only"),
        ("8,50", "8.50, not 8,50"),
        ("-5", "cannot be negative"),
        ("8.123", "digits only"),
        ("1e3", "digits only"),
        ("٨", "digits only"),  # an Arabic-Indic eight: Decimal would take it
        ("1,00,000", "digits only"),
        ("9" * 40, "like 8 or 8.00"),
        ("NaN", "digits only"),
    ],
)
def test_garbage_amounts_are_refused_with_a_reason(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(typed)


def test_without_stripe_the_page_names_the_missing_settings_and_shows_no_form(
    owner_client, publication, settings
):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = owner_client.get(plans_url(publication))

    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "MASTHEAD_STRIPE_SECRET_KEY",
        "MASTHEAD_STRIPE_PUBLISHABLE_KEY",
        "MASTHEAD_STRIPE_WEBHOOK_SECRET",
    ):
        assert name in html
    assert "_FILE" in html
    assert "<form" not in html.split('id="main"', 1)[1]


def test_without_stripe_a_post_saves_nothing(owner_client, publication, settings):
    settings.STRIPE_SECRET_KEY = ""

    response = owner_client.post(plans_url(publication), prices())

    assert response.status_code == 200
    assert not Plan.objects.exists()


def test_saving_prices_creates_the_plans_in_stripe_and_turns_paid_on(
    owner_client, publication, stripe_on
):
    response = owner_client.post(
        plans_url(publication),
        prices(
            currency="eur", monthly="10", yearly="1,000.50", founding="2000", founding_name="Patron"
        ),
    )

    assert response.status_code == 302
    assert active(publication) == {
        "month": (1000, "Monthly", "eur"),
        "year": (100050, "Yearly", "eur"),
        "founding": (200000, "Patron", "eur"),
    }
    assert plans.is_paid_available(publication)


def test_the_founding_plan_is_named_founding_member_unless_the_writer_names_it(
    owner_client, publication, stripe_on
):
    owner_client.post(plans_url(publication), prices(founding="150"))

    assert active(publication)["founding"] == (15000, "Founding member", "usd")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"monthly": "eight"}, "digits only"),
        ({"yearly": ""}, "Enter a yearly price."),
        ({"monthly": "0.10"}, "Prices are between"),
        ({"founding": "50"}, "at least the yearly price"),
        ({"currency": "xyz"}, "Select a valid choice"),
        ({"monthly": "8,50"}, "8.50, not 8,50"),
    ],
)
def test_bad_prices_are_refused_with_a_clear_message_and_nothing_saved(
    owner_client, publication, stripe_on, changes, message
):
    response = owner_client.post(plans_url(publication), prices(**changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Plan.objects.exists()


def test_a_changed_price_is_a_new_plan_and_its_subscribers_keep_the_old_one(
    owner_client, publication, stripe_on
):
    owner_client.post(plans_url(publication), prices())
    old_monthly = Plan.objects.get(publication=publication, interval="month")
    subscription = Subscription.objects.create(
        publication=publication, person=make_person(), status=SubscriptionStatus.ACTIVE
    )
    PaidSubscription.objects.create(
        subscription=subscription, plan=old_monthly, stripe_subscription_id="sub_x", status="active"
    )

    response = owner_client.post(plans_url(publication), prices(monthly="9"))

    assert response.status_code == 302
    old_monthly.refresh_from_db()
    assert not old_monthly.is_active
    assert active(publication)["month"] == (900, "Monthly", "usd")
    assert PaidSubscription.objects.get().plan == old_monthly
    page = owner_client.get(plans_url(publication)).content.decode()
    assert "Retired: kept for those who pay it" in page
    assert "8.00 USD" in page and "9.00 USD" in page


def test_the_page_shows_how_many_pay_each_plan(owner_client, publication, stripe_on):
    owner_client.post(plans_url(publication), prices())
    yearly = Plan.objects.get(publication=publication, interval="year")
    for number in range(3):
        subscription = Subscription.objects.create(publication=publication, person=make_person())
        PaidSubscription.objects.create(
            subscription=subscription,
            plan=yearly,
            stripe_subscription_id=f"sub_{number}",
            status="active",
        )

    response = owner_client.get(plans_url(publication))

    shown = [(plan.interval, plan.paying_count) for plan in response.context["plans"]]
    assert shown == [("month", 0), ("year", 3)]
    assert '<td data-label="Paying" class="table__number">3</td>' in response.content.decode()


def test_turning_paid_off_hides_it_and_keeps_the_plans(owner_client, publication, stripe_on):
    owner_client.post(plans_url(publication), prices())

    response = owner_client.post(plans_url(publication), prices(is_paid_on=""))

    assert response.status_code == 302
    assert not BillingSettings.objects.get(publication=publication).is_paid_on
    assert not plans.is_paid_available(publication)
    assert len(active(publication)) == 2
    page = owner_client.get(plans_url(publication)).content.decode()
    assert "Those already paying keep their subscriptions" in page


def test_an_unreachable_stripe_is_a_form_error_not_a_500(
    owner_client, publication, stripe_on, settings
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: nothing answers

    response = owner_client.post(plans_url(publication), prices())

    assert response.status_code == 400
    assert "Stripe could not be reached" in response.content.decode()
    assert not Plan.objects.exists()


def test_the_form_shows_the_current_prices(owner_client, publication, stripe_on):
    owner_client.post(
        plans_url(publication), prices(yearly="1,000.50", founding="2000", founding_name="Patron")
    )

    form = owner_client.get(plans_url(publication)).context["form"]

    assert form.initial["yearly"] == "1000.50"
    assert form.initial["founding"] == "2000.00"
    assert form.initial["founding_name"] == "Patron"


def test_authors_may_not_set_prices(client, publication, stripe_on):
    author = make_person()
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    client.force_login(author)

    assert client.get(plans_url(publication)).status_code == 403
    assert client.post(plans_url(publication), prices()).status_code == 403
    assert not Plan.objects.exists()


def test_readers_get_not_found(client, publication, reader, stripe_on):
    client.force_login(reader)

    assert client.post(plans_url(publication), prices()).status_code == 404
    assert not Plan.objects.exists()


def test_admins_may_set_prices(client, publication, stripe_on):
    admin = make_person()
    Membership.objects.create(publication=publication, person=admin, role=Role.ADMIN)
    client.force_login(admin)

    assert client.post(plans_url(publication), prices()).status_code == 302


def test_a_missing_webhook_secret_is_named_above_the_form(
    owner_client, publication, stripe_on, settings
):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = owner_client.get(plans_url(publication))

    assert response.status_code == 200
    assert (
        "Still missing on this install: <code>MASTHEAD_STRIPE_WEBHOOK_SECRET</code>"
        in response.content.decode()
    )
    assert response.context["form"] is not None
