"""The Stripe webhook endpoint. Stripe posts events here; the answer tells it whether to send
the event again (any non-2xx), so a refused signature is 400 and an unreachable Stripe is 503."""

import logging

import stripe
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from masthead.billing import webhooks

logger = logging.getLogger(__name__)
MAX_BODY = 512 * 1024  # Stripe's events are a few KB


@csrf_exempt  # Stripe signs its requests; it has no session or CSRF cookie
@require_POST
def stripe_webhook(request):
    if len(request.body) > MAX_BODY:
        return HttpResponseBadRequest("Too large.")
    try:
        event = webhooks.verify(request.body, request.headers.get("Stripe-Signature", ""))
    except webhooks.EventRefused:
        return HttpResponseBadRequest("Not a signed Stripe event.")
    try:
        outcome = webhooks.handle(event)
    except stripe.StripeError:
        logger.warning("Stripe event %s not handled: Stripe unreachable", event.id, exc_info=True)
        return HttpResponse("Stripe could not be reached; send it again.", status=503)
    return HttpResponse(outcome, content_type="text/plain")
