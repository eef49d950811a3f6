"""A publication's notes, newest first, as its Notes page shows them to anyone."""

from django.contrib.auth.models import AnonymousUser
from ninja import Query, Router

from masthead.api import paging
from masthead.api.access import caller_of
from masthead.api.schemas import NotePage, Problem
from masthead.notes.queries import publication_notes_page

router = Router(tags=["notes"])
LIST_NAME = "notes"


class NoteQuery(paging.PageQuery):
    pass


@router.get(
    "/notes",
    response={200: NotePage, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem},
    summary="List notes",
)
def list_notes(request, params: Query[NoteQuery]):
    """Notes by the publication and its writers, 20 a page (`limit` is ignored here)."""
    caller = caller_of(request)
    position = paging.moment_cursor(LIST_NAME, params.cursor)
    page = publication_notes_page(caller.publication, AnonymousUser(), position)
    items = [
        {
            "id": card.note.id,
            "author": {"id": card.note.author_id, "name": card.note.author.name},
            "body_html": card.note.body_html,
            "created_at": card.note.created_at,
            "like_count": card.note.like_count,
            "reply_count": card.note.reply_count,
            "restack_count": card.note.restack_count,
        }
        for card in page.cards
    ]
    next_cursor = None
    if page.next_cursor and page.cards:
        last = page.cards[-1].note
        next_cursor = paging.sign_moment(LIST_NAME, last.created_at, last.id)
    return {"items": items, "next_cursor": next_cursor}
