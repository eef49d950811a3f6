"""The publication's subscribers, for API keys only: list (read), add, change, remove (write)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status
from pydantic import Field

from masthead.api import paging
from masthead.api.access import Caller, key_auth, write_key_auth
from masthead.api.errors import ApiProblem
from masthead.api.schemas import (
    Problem,
    RowId,
    SubscriberIn,
    SubscriberOut,
    SubscriberPage,
    SubscriberPatch,
)
from masthead.subscriptions import staff_services
from masthead.subscriptions.desk_queries import SubscriberFilters, filtered_subscriptions
from masthead.subscriptions.models import Subscription

router = Router(tags=["subscribers"])
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem}
WRITE_ERRORS = {**ERRORS, 409: Problem, 413: Problem, 422: Problem}
LIST_NAME = "subscribers"


class SubscriberQuery(paging.PageQuery):
    status: str = Field("", pattern="^(|pending|active|unsubscribed)$")
    search: str = Field("", max_length=200, description="part of an address or name")


def _subscriber(subscription: Subscription) -> dict:
    return {
        "id": subscription.id,
        "email": subscription.person.email,
        "name": subscription.person.display_name,
        "status": subscription.status,
        "source": subscription.source,
        "created_at": subscription.created_at,
        "confirmed_at": subscription.confirmed_at,
        "unsubscribed_at": subscription.unsubscribed_at,
        "labels": [str(label) for label in subscription.labels or []],
    }


def _problem(error: staff_services.SubscriberError) -> ApiProblem:
    errors = [{"field": error.field, "message": error.message}] if error.field else None
    return ApiProblem(error.status, error.message, errors)


def _own_subscription(caller: Caller, subscriber_id: int) -> Subscription:
    return get_object_or_404(
        Subscription.objects.select_related("person"),
        id=subscriber_id,
        publication=caller.publication,
    )


@router.get("/subscribers", auth=key_auth, response={200: SubscriberPage, **ERRORS})
def list_subscribers(request, params: Query[SubscriberQuery]):
    """Newest first, filtered as in the desk's subscriber list."""
    caller: Caller = request.auth
    limit = paging.clamp_limit(params.limit)
    filters = SubscriberFilters(search=params.search.strip(), status=params.status)
    rows = filtered_subscriptions(caller.publication, filters, timezone.now()).order_by(
        "-created_at", "-id"
    )
    position = paging.moment_cursor(LIST_NAME, params.cursor)
    if position is not None:
        rows = rows.filter(position.older("created_at"))
    page = list(rows[: limit + 1])
    next_cursor = None
    if len(page) > limit:
        last = page[limit - 1]
        next_cursor = paging.sign_moment(LIST_NAME, last.created_at, last.id)
    return {"items": [_subscriber(row) for row in page[:limit]], "next_cursor": next_cursor}


@router.get("/subscribers/{subscriber_id}", auth=key_auth, response={200: SubscriberOut, **ERRORS})
def get_subscriber(request, subscriber_id: RowId):
    return _subscriber(_own_subscription(request.auth, subscriber_id))


@router.post(
    "/subscribers",
    auth=write_key_auth,
    response={200: SubscriberOut, 201: SubscriberOut, **WRITE_ERRORS},
)
def add_subscriber(request, payload: SubscriberIn):
    """Subscribe an address at once, without a confirmation email (as the desk's import does):
    201 when new, 200 when already there. An address that unsubscribed is refused (409)."""
    caller: Caller = request.auth
    try:
        subscription, created = staff_services.add_subscriber_by_staff(
            caller.publication, payload.email, payload.labels
        )
    except staff_services.SubscriberError as error:
        raise _problem(error) from None
    subscription = _own_subscription(caller, subscription.id)
    return Status(201 if created else 200, _subscriber(subscription))


@router.patch(
    "/subscribers/{subscriber_id}",
    auth=write_key_auth,
    response={200: SubscriberOut, **WRITE_ERRORS},
)
def update_subscriber(request, subscriber_id: RowId, payload: SubscriberPatch):
    caller: Caller = request.auth
    subscription = _own_subscription(caller, subscriber_id)
    try:
        staff_services.update_subscriber_by_staff(
            subscription, labels=payload.labels, status=payload.status
        )
    except staff_services.SubscriberError as error:
        raise _problem(error) from None
    return _subscriber(_own_subscription(caller, subscriber_id))


@router.delete(
    "/subscribers/{subscriber_id}",
    auth=write_key_auth,
    response={200: SubscriberOut, **WRITE_ERRORS},
)
def remove_subscriber(request, subscriber_id: RowId):
    """Unsubscribe; the row stays so that the address is not mailed again."""
    caller: Caller = request.auth
    staff_services.remove_subscriber_by_staff(_own_subscription(caller, subscriber_id))
    return _subscriber(_own_subscription(caller, subscriber_id))
