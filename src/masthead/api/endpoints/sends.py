"""The publication's sends (newsletters and tests) with their delivery counts, for API keys."""

from django.shortcuts import get_object_or_404
from ninja import Query, Router

from masthead.api import paging
from masthead.api.access import Caller, key_auth
from masthead.api.schemas import Problem, RowId, SendOut, SendPage
from masthead.delivery.models import Send
from masthead.delivery.queries import outcomes_by_send

router = Router(tags=["sends"])
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem}
LIST_NAME = "sends"
SEND_FIELDS = (
    "id",
    "post_id",
    "kind",
    "state",
    "subject",
    "created_at",
    "started_at",
    "finished_at",
    "recipient_count",
    "sent_count",
    "failed_count",
    "open_count",
    "click_count",
)


def _sends(sends: list[Send]) -> list[dict]:
    outcomes = outcomes_by_send([send.id for send in sends])  # one query for the page
    return [
        {**{name: getattr(send, name) for name in SEND_FIELDS}, "outcomes": outcomes[send.id]}
        for send in sends
    ]


def _send_rows(caller: Caller):
    # Only the columns shown: a send's templates can be large.
    return Send.objects.filter(publication=caller.publication).only(
        *SEND_FIELDS[:1], "post", *SEND_FIELDS[2:]
    )


class SendQuery(paging.PageQuery):
    pass


@router.get("/sends", auth=key_auth, response={200: SendPage, **ERRORS})
def list_sends(request, params: Query[SendQuery]):
    """Newest first; `outcomes` counts deliveries by state (sent, bounced, failed, …)."""
    caller: Caller = request.auth
    limit = paging.clamp_limit(params.limit)
    rows = _send_rows(caller).order_by("-created_at", "-id")
    position = paging.moment_cursor(LIST_NAME, params.cursor)
    if position is not None:
        rows = rows.filter(position.older("created_at"))
    page = list(rows[: limit + 1])
    next_cursor = None
    if len(page) > limit:
        last = page[limit - 1]
        next_cursor = paging.sign_moment(LIST_NAME, last.created_at, last.id)
    return {"items": _sends(page[:limit]), "next_cursor": next_cursor}


@router.get("/sends/{send_id}", auth=key_auth, response={200: SendOut, **ERRORS})
def get_send(request, send_id: RowId):
    send = get_object_or_404(_send_rows(request.auth), id=send_id)
    return _sends([send])[0]
