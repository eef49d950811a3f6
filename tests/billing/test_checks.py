"""`masthead check` says what paid subscriptions still need, and nothing while they are off."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from masthead.billing.checks import paid_publications_have_stripe, stripe_settings_complete
from masthead.billing.models import BillingSettings


def test_nothing_is_said_while_no_stripe_setting_is_given(settings):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert stripe_settings_complete(None) == []


def test_each_missing_setting_is_named(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_x"
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    messages = [error.msg for error in stripe_settings_complete(None)]

    assert messages == [
        "Paid subscriptions need MASTHEAD_STRIPE_PUBLISHABLE_KEY.",
        "Paid subscriptions need MASTHEAD_STRIPE_WEBHOOK_SECRET.",
    ]
    with pytest.raises(SystemCheckError, match="MASTHEAD_STRIPE_WEBHOOK_SECRET_FILE"):
        call_command("check")


@pytest.mark.django_db
def test_a_publication_with_paid_on_and_no_stripe_is_named(settings, publication):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    BillingSettings.objects.create(publication=publication, is_paid_on=True)

    [warning] = paid_publications_have_stripe(None)

    assert "The Daily Build" in warning.msg
    assert "MASTHEAD_STRIPE_SECRET_KEY" in warning.msg
