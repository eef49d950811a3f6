"""Opens and clicks of sent newsletters: the per-delivery token, recording, and the two views.

The email holds /t/o/<token>.gif and /t/c/<token>/<index>/; the token is the delivery's id
signed once per message (one HMAC, like the unsubscribe link). A click redirects only to the
send's own stored link at that index, never to a URL taken from the request.
"""

import base64

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from masthead.delivery.models import Delivery, DeliveryEvent, DeliveryEventKind, Send

SALT = "masthead.tracking"
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_signer = signing.Signer(salt=SALT)


def tracking_token(delivery_id: int) -> str:
    return _signer.sign(str(delivery_id))


def delivery_id_from(token: str) -> int | None:
    try:
        value = _signer.unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


# Recording -----------------------------------------------------------------------------------


def _mark_opened(delivery: Delivery, now) -> None:
    """The first open (or click) of a delivery counts once towards the send's opens."""
    if Delivery.objects.filter(id=delivery.id, opened_at__isnull=True).update(opened_at=now):
        Send.objects.filter(id=delivery.send_id).update(open_count=F("open_count") + 1)


@transaction.atomic
def record_open(delivery: Delivery) -> None:
    now = timezone.now()
    DeliveryEvent.objects.create(delivery=delivery, kind=DeliveryEventKind.OPEN, created_at=now)
    _mark_opened(delivery, now)


@transaction.atomic
def record_click(delivery: Delivery, link_index: int) -> None:
    now = timezone.now()
    DeliveryEvent.objects.create(
        delivery=delivery, kind=DeliveryEventKind.CLICK, link_index=link_index, created_at=now
    )
    is_first = Delivery.objects.filter(id=delivery.id, click_count=0).update(click_count=1)
    if not is_first:
        Delivery.objects.filter(id=delivery.id).update(click_count=F("click_count") + 1)
    Send.objects.filter(id=delivery.send_id).update(
        click_count=F("click_count") + 1, clicker_count=F("clicker_count") + is_first
    )
    _mark_opened(delivery, now)  # a click proves an open even when images were blocked


def _tracked_delivery(token: str) -> Delivery | None:
    delivery_id = delivery_id_from(token)
    if delivery_id is None:
        return None
    return (
        Delivery.objects.select_related("send")
        .only("id", "send_id", "send__is_tracked", "send__tracked_links")
        .filter(id=delivery_id, send__is_tracked=True)
        .first()
    )


# Views ---------------------------------------------------------------------------------------


@never_cache
def track_open(request, token):
    """Always the image, whatever the token: a mail client shows nothing broken."""
    delivery = _tracked_delivery(token)
    if delivery is not None:
        record_open(delivery)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0"
    return response


@never_cache
def track_click(request, token, index):
    delivery = _tracked_delivery(token)
    if delivery is None:
        return render(
            request,
            "delivery/track_error.html",
            {"message": "This link is damaged: it may have been cut or changed on the way."},
            status=400,
        )
    links = delivery.send.tracked_links
    if not 0 <= index < len(links):
        return render(
            request,
            "delivery/track_error.html",
            {"message": "This email has no such link."},
            status=404,
        )
    record_click(delivery, index)
    return HttpResponseRedirect(links[index])
