"""The desk's revision pages of a post: the list, the comparison of two, and restoring one.

Only those who may edit the post see them (desk.post_lookups.get_post_for_editor).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from masthead.desk.post_lookups import get_post_for_editor
from masthead.posts.services import PostError
from masthead.revisions import queries, services


@login_required
def revision_list(request, publication_slug, post_id):
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    revisions = list(queries.revisions_of(post))
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "post": post,
        "revisions": revisions,
    }
    return render(request, "revisions/revision_list.html", context)


def _number(raw, default: int) -> int | None:
    """A revision number from the query string: the default when absent, None when not one."""
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None


@login_required
def revision_compare(request, publication_slug, post_id):
    """?a=N&b=M: what changed from revision N to revision M (by default, the two latest)."""
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    latest = queries.current_number(post)
    a = _number(request.GET.get("a"), max(latest - 1, 1))
    b = _number(request.GET.get("b"), latest)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "post": post,
        "numbers": range(latest, 0, -1),
    }
    if a is None or b is None:
        context["error"] = "Choose two revisions by their numbers."
        return render(request, "revisions/revision_compare.html", context, status=400)
    if latest == 0:
        return render(request, "revisions/revision_compare.html", context)
    old, new = queries.get_revision(post, a), queries.get_revision(post, b)
    context.update({"old": old, "new": new, "parts": queries.diff_of(old, new)})
    return render(request, "revisions/revision_compare.html", context)


@login_required
@require_POST
def revision_restore(request, publication_slug, post_id, number):
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    revision = queries.get_revision(post, number)
    try:
        restored = services.restore_revision(post, revision, request.user)
    except PostError as error:
        messages.error(request, f"Revision {number} was not restored: {error.message}")
        return redirect("desk:post_revisions", membership.publication.slug, post.id)
    messages.success(request, f"Revision {number} restored; it is now revision {restored.number}.")
    return redirect("desk:post_edit", membership.publication.slug, post.id)
