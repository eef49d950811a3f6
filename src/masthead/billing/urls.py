"""Paid subscriptions: Stripe's webhook (install-wide) and the reader's pages."""

from django.urls import include, path

from masthead.billing import webhook_views

app_name = "billing"

urlpatterns = [
    path("billing/stripe/webhook/", webhook_views.stripe_webhook, name="stripe_webhook"),
    path("", include("masthead.billing.reader_urls")),
    path("", include("masthead.billing.gift_urls")),
]
