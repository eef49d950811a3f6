"""`make demo PAID=1`: the demo publication with monthly, yearly and founding plans on the demo's
localstripe, its webhook pointed at the demo, and one paid post, so a newcomer can upgrade, read
the paid part and cancel without a Stripe account.

localstripe starts empty at every demo start, so the Stripe ids of the previous run are
forgotten first. That only ever happens against a stand-in (MASTHEAD_STRIPE_API_BASE set)."""

import urllib.parse
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from masthead.billing.models import BillingSettings, PaidSubscription, Plan, StripeCustomer
from masthead.billing.plans import PriceChoice, save_prices
from masthead.demo import content
from masthead.posts.models import Audience, Post
from masthead.posts.services import create_post, publish_post
from masthead.publications.models import Publication

PRICES = [
    PriceChoice("month", 800),
    PriceChoice("year", 8000),
    PriceChoice("founding", 15000, "Founding member"),
]
PAID_POST_TITLE = "The on-call runbook we actually use"
PAID_POST_BODY = (
    "Every team has a runbook; few teams trust theirs. This is the one we rewrote after a "
    "year of pages at 3 a.m., and the three rules that made it worth opening.\n\n"
    "<!-- paywall -->\n\n"
    "## Rule one: every alert names its first command\n\n"
    "An alert that does not say what to type first gets ignored or, worse, improvised. Ours "
    "start with the exact command and what a healthy answer looks like.\n\n"
    "## Rule two: a page that can wait until morning is not a page\n\n"
    "We moved half our alerts to a morning digest and nobody missed them.\n\n"
    "## Rule three: the runbook is tested like code\n\n"
    "Once a quarter we break staging on purpose and follow the runbook word for word."
)


class NotAStandIn(Exception):
    pass


def load_demo_paid(site_url: str) -> list[Plan]:
    if not settings.STRIPE_API_BASE:
        raise NotAStandIn("load_demo_paid runs only against a Stripe stand-in (localstripe).")
    publication = Publication.objects.get(slug=content.PUBLICATION["slug"])
    _forget_previous_run(publication)
    plans = save_prices(publication, "usd", PRICES)
    _point_webhook_at(site_url)
    _ensure_paid_post(publication)
    return plans


@transaction.atomic
def _forget_previous_run(publication) -> None:
    PaidSubscription.objects.filter(plan__publication=publication).delete()
    Plan.objects.filter(publication=publication).delete()
    StripeCustomer.objects.all().delete()
    BillingSettings.objects.filter(publication=publication).update(stripe_product_id="")


def _point_webhook_at(site_url: str) -> None:
    """localstripe signs and posts its events to registered URLs, as Stripe does."""
    data = urllib.parse.urlencode(
        {
            "url": site_url.rstrip("/") + "/billing/stripe/webhook/",
            "secret": settings.STRIPE_WEBHOOK_SECRET,
        }
    ).encode()
    request = urllib.request.Request(
        f"{settings.STRIPE_API_BASE}/_config/webhooks/masthead-demo", data=data, method="POST"
    )
    urllib.request.urlopen(request, timeout=10).read()


def _ensure_paid_post(publication) -> Post:
    post = Post.objects.filter(publication=publication, title=PAID_POST_TITLE).first()
    if post is not None:
        return post
    author = publication.memberships.order_by("id").first().person
    post = create_post(
        publication,
        [author],
        title=PAID_POST_TITLE,
        subtitle="Three rules that made our runbook worth opening",
        body_markdown=PAID_POST_BODY,
        audience=Audience.PAID,
    )
    publish_post(post, published_at=timezone.now())
    return post
