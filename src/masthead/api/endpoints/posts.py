"""Posts: the archive's orderings and single posts for anyone; writing them with a write key."""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from pydantic import Field

from masthead.api import paging
from masthead.api.access import Caller, caller_of, write_key_auth
from masthead.api.errors import ApiProblem
from masthead.api.schemas import (
    Author,
    PostDetail,
    PostIn,
    PostPage,
    PostPatch,
    Problem,
    PublishIn,
    RowId,
    ScheduleIn,
    StaffPost,
)
from masthead.posts import queries, services
from masthead.posts.models import Post
from masthead.publications.links import publication_root, site_path

router = Router(tags=["posts"])
READ_ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem}
WRITE_ERRORS = {**READ_ERRORS, 409: Problem, 413: Problem, 422: Problem}


def _authors(post: Post) -> list[Author]:
    return [Author(id=b.person_id, name=b.person.name) for b in post.bylines.all()]


def _summary_fields(post: Post, root: str) -> dict:
    return {
        "id": post.id,
        "slug": post.slug,
        "title": post.title,
        "subtitle": post.subtitle,
        "kind": post.kind,
        "audience": post.audience,
        "published_at": post.published_at,
        "authors": _authors(post),
        "like_count": post.like_count,
        "comment_count": post.comment_count,
        "url": root + site_path("posts:detail", post.slug),
    }


def _detail(post: Post, caller: Caller, root: str) -> dict:
    # The one paywall rule, as on the post's page: whoever it refuses gets the preview only.
    is_full = queries.can_read_full_post(caller.person, post)
    return {
        **_summary_fields(post, root),
        "body_html": post.body_html if is_full else post.preview_html,
        "is_preview": not is_full,
    }


def _staff_post(post: Post, caller: Caller) -> dict:
    fresh = (
        Post.objects.prefetch_related("bylines__person").filter(id=post.id).first()
    )  # bylines and rendered bodies as saved
    root = publication_root(caller.publication)
    return {
        **_summary_fields(fresh, root),
        "body_html": fresh.body_html,
        "is_preview": False,
        "status": fresh.status,
        "body_markdown": fresh.body_markdown,
    }


class PostListQuery(paging.PageQuery):
    sort: str = Field(
        queries.ArchiveSort.LATEST,
        pattern="^(new|top|discussions)$",
        description="new, top or discussions",
    )


@router.get("/posts", response={200: PostPage, **READ_ERRORS}, summary="List published posts")
def list_posts(request, params: Query[PostListQuery]):
    """The archive in one of its three orderings (pages are left out), newest first by default."""
    caller = caller_of(request)
    limit = paging.clamp_limit(params.limit)
    posts = queries.published_posts(caller.publication).order_by(*queries.ORDERINGS[params.sort])
    if params.sort == queries.ArchiveSort.DISCUSSIONS:
        posts = posts.filter(comment_count__gt=0)  # as the archive's Discussions tab
    list_name = f"posts-{params.sort}"
    if params.sort == queries.ArchiveSort.LATEST:
        position = paging.moment_cursor(list_name, params.cursor)
        if position is not None:
            posts = posts.filter(position.older("published_at"))
        rows = list(posts[: limit + 1])
        next_cursor = (
            paging.sign_moment(list_name, rows[limit - 1].published_at, rows[limit - 1].id)
            if len(rows) > limit
            else None
        )
    else:
        offset = paging.offset_of(list_name, params.cursor)
        rows = list(posts[offset : offset + limit + 1])
        next_cursor = (
            paging.sign_cursor(list_name, {"o": offset + limit}) if len(rows) > limit else None
        )
    root = publication_root(caller.publication)
    return {"items": [_summary_fields(p, root) for p in rows[:limit]], "next_cursor": next_cursor}


@router.get("/posts/{slug}", response={200: PostDetail, **READ_ERRORS}, summary="Read a post")
def get_post(request, slug: str):
    """A published post (or page) by its address; paid posts give their preview to those the
    paywall refuses, exactly as the post's page does."""
    caller = caller_of(request)
    post = queries.get_published_post(caller.publication, slug[:200])
    return _detail(post, caller, publication_root(caller.publication))


def _content(data: PostPatch | PostIn, post: Post | None) -> services.PostContent:
    def pick(name):
        value = getattr(data, name)
        return value if value is not None else getattr(post, name)

    return services.PostContent(
        title=pick("title"),
        subtitle=pick("subtitle"),
        slug=pick("slug"),
        body_markdown=pick("body_markdown"),
        audience=pick("audience"),
        section=post.section if post is not None else None,
        kind=data.kind,
        tags=data.tags,
    )


def _post_error(error: services.PostError) -> ApiProblem:
    errors = [{"field": error.field, "message": error.message}] if error.field else None
    return ApiProblem(422, error.message, errors)


def _own_post(caller: Caller, post_id: int) -> Post:
    return get_object_or_404(Post, id=post_id, publication=caller.publication)


@router.post(
    "/posts",
    auth=write_key_auth,
    response={201: StaffPost, **WRITE_ERRORS},
    summary="Create a draft",
)
def create_post(request, payload: PostIn):
    caller: Caller = request.auth
    author = caller.key.created_by
    try:
        post = services.create_post(
            caller.publication,
            [author] if author is not None else [],
            title=payload.title,
            subtitle=payload.subtitle,
            body_markdown=payload.body_markdown,
            slug=payload.slug,
            audience=payload.audience,
            kind=payload.kind,
            tags=payload.tags,
        )
    except services.PostError as error:
        raise _post_error(error) from None
    return Status(201, _staff_post(post, caller))


@router.get(
    "/posts/id/{post_id}",
    auth=write_key_auth,
    response={200: StaffPost, **READ_ERRORS},
    summary="Read any post, draft or not, as staff",
)
def get_staff_post(request, post_id: RowId):
    caller: Caller = request.auth
    return _staff_post(_own_post(caller, post_id), caller)


@router.patch("/posts/id/{post_id}", auth=write_key_auth, response={200: StaffPost, **WRITE_ERRORS})
def update_post(request, post_id: RowId, payload: PostPatch):
    """Change what is given; fields left out keep their value."""
    caller: Caller = request.auth
    post = _own_post(caller, post_id)
    try:
        services.update_post(post, _content(payload, post))
    except services.PostError as error:
        raise _post_error(error) from None
    return _staff_post(post, caller)


@router.post(
    "/posts/id/{post_id}/schedule",
    auth=write_key_auth,
    response={200: StaffPost, **WRITE_ERRORS},
)
def schedule_post(request, post_id: RowId, payload: ScheduleIn):
    caller: Caller = request.auth
    post = _own_post(caller, post_id)
    if payload.publish_at.tzinfo is None:
        raise ApiProblem(
            422,
            "Give publish_at with a time zone offset.",
            [{"field": "publish_at", "message": "A time zone offset is required."}],
        )
    try:
        services.schedule_post(post, payload.publish_at, send_email=payload.send_email)
    except services.PostError as error:
        if error.field:
            raise _post_error(error) from None
        raise ApiProblem(409, error.message) from None
    return _staff_post(post, caller)


@router.post(
    "/posts/id/{post_id}/publish",
    auth=write_key_auth,
    response={200: StaffPost, **WRITE_ERRORS},
)
def publish_post(request, post_id: RowId, payload: PublishIn):
    """Publish now; with send_email, the post also goes out as a newsletter."""
    caller: Caller = request.auth
    post = _own_post(caller, post_id)
    try:
        services.publish_post(post, send_email=payload.send_email)
    except services.PostError as error:
        raise ApiProblem(409, error.message) from None
    return _staff_post(post, caller)
