"""The way to Stripe: a client configured from settings, and what the site needs to know about
it (whether it is configured, where Stripe.js comes from). MASTHEAD_STRIPE_API_BASE points the
same code at a stand-in such as localstripe, which serves Stripe.js under /js.stripe.com/v3/."""

from urllib.parse import urlsplit

import stripe
from django.conf import settings

STRIPE_API = "https://api.stripe.com"
STRIPE_JS = "https://js.stripe.com/v3/"
# A slow or unreachable Stripe fails a reader's click with a clear message, not a hung worker.
TIMEOUT_SECONDS = 20


class PaymentsUnavailable(Exception):
    """Stripe could not be reached or refused the request; the message is for the reader."""


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def missing_settings() -> list[str]:
    """The settings paid subscriptions still need, by name (for `masthead check`)."""
    names = {
        "MASTHEAD_STRIPE_SECRET_KEY": settings.STRIPE_SECRET_KEY,
        "MASTHEAD_STRIPE_PUBLISHABLE_KEY": settings.STRIPE_PUBLISHABLE_KEY,
        "MASTHEAD_STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET,
    }
    return [name for name, value in names.items() if not value]


def api_base() -> str:
    return settings.STRIPE_API_BASE or STRIPE_API


def js_url() -> str:
    base = settings.STRIPE_API_BASE
    return f"{base}/js.stripe.com/v3/" if base else STRIPE_JS


def origins() -> list[str]:
    """Origins the card form loads from and talks to (for the page's Content-Security-Policy)."""
    if not settings.STRIPE_API_BASE:
        return ["https://js.stripe.com", "https://api.stripe.com", "https://*.stripe.com"]
    parts = urlsplit(settings.STRIPE_API_BASE)
    return [f"{parts.scheme}://{parts.netloc}"]


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": api_base()},
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        max_network_retries=2,
    )
