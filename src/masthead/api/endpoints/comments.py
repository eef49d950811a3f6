"""A post's comments as its page shows them to anyone: hidden and deleted ones without text."""

from django.contrib.auth.models import AnonymousUser
from ninja import Query, Router
from pydantic import Field

from masthead.api import paging
from masthead.api.access import caller_of
from masthead.api.schemas import CommentPage, Problem
from masthead.engagement.queries import CommentSort, ThreadComment, post_discussion
from masthead.posts import queries

router = Router(tags=["comments"])


class CommentQuery(paging.PageQuery):
    sort: str = Field(CommentSort.TOP, pattern="^(top|new)$", description="top or new")


def _comment(node: ThreadComment) -> dict:
    comment = node.comment
    is_shown = not (comment.is_hidden or comment.is_deleted)
    return {
        "id": comment.id,
        "author": {"id": comment.person_id, "name": comment.person.name}
        if is_shown and comment.person is not None
        else None,
        "body_html": comment.body_html if is_shown else None,
        "is_hidden": comment.is_hidden,
        "is_deleted": comment.is_deleted,
        "created_at": comment.created_at,
        "like_count": node.like_count,
        "replies": [_comment(reply) for reply in node.replies],
    }


@router.get(
    "/posts/{slug}/comments",
    response={
        200: CommentPage,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        429: Problem,
    },
    summary="List a post's comments",
)
def list_comments(request, slug: str, params: Query[CommentQuery]):
    """Top-level conversations with their replies; the cursor pages the conversations."""
    caller = caller_of(request)
    post = queries.get_published_post(caller.publication, slug[:200])
    if post.is_page:
        return {"items": [], "next_cursor": None}  # pages have no discussion
    discussion = post_discussion(post, AnonymousUser(), params.sort)
    list_name = f"comments-{post.id}-{params.sort}"
    offset = paging.offset_of(list_name, params.cursor)
    limit = paging.clamp_limit(params.limit)
    threads = discussion.comments[offset : offset + limit]
    has_more = len(discussion.comments) > offset + limit
    return {
        "items": [_comment(node) for node in threads],
        "next_cursor": paging.sign_cursor(list_name, {"o": offset + limit}) if has_more else None,
    }
