"""Likes, comments and moderation on a post's page; each view calls one service.

Forms post back to the post page (no JavaScript needed); engagement.js sends the same forms
with fetch and asks for JSON, which the like views return instead of a redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from masthead.accounts.links import sign_in_url
from masthead.core.ratelimit import RateLimited
from masthead.core.requests import wants_json
from masthead.engagement import queries, services
from masthead.engagement.forms import CommentForm, NotificationSettingsForm
from masthead.engagement.models import Comment
from masthead.engagement.rules import EngagementRefused
from masthead.posts.queries import get_published_post
from masthead.publications.lookups import get_request_publication


def _post(request, slug):
    return get_published_post(get_request_publication(request), slug)


def _comment(post, comment_id) -> Comment:
    comment = (
        Comment.objects.select_related("post__publication").filter(post=post, id=comment_id).first()
    )
    if comment is None:
        raise Http404("No such comment.")
    return comment


def _comment_url(post, comment_id) -> str:
    return reverse("posts:detail", args=[post.slug]) + f"#comment-{comment_id}"


def _refused(request, post, error, status=403):
    if wants_json(request):
        return JsonResponse({"error": str(error)}, status=status)
    return render(
        request, "engagement/refused.html", {"post": post, "error": str(error)}, status=status
    )


def like(request, slug):
    """GET: the one-button page signed-out likers come back to. POST: like or unlike."""
    post = _post(request, slug)
    like_url = reverse("engagement:like", args=[post.slug])
    if not request.user.is_authenticated:
        return redirect(sign_in_url(like_url))
    if request.method != "POST":
        is_liked = post.likes.filter(person=request.user).exists()
        return render(request, "engagement/like_confirm.html", {"post": post, "is_liked": is_liked})
    is_liking = request.POST.get("action", "like") != "unlike"
    try:
        if is_liking:
            services.like_post(post, request.user)
        else:
            services.unlike_post(post, request.user)
    except EngagementRefused as error:
        return _refused(request, post, error)
    post.refresh_from_db(fields=["like_count"])
    if wants_json(request):
        return JsonResponse({"is_liked": is_liking, "like_count": post.like_count})
    return redirect(reverse("posts:detail", args=[post.slug]) + "#engagement")


@require_POST
def comment_like(request, slug, comment_id):
    post = _post(request, slug)
    if not request.user.is_authenticated:
        return redirect(sign_in_url(_comment_url(post, comment_id)))
    comment = _comment(post, comment_id)
    is_liking = request.POST.get("action", "like") != "unlike"
    try:
        if is_liking:
            services.like_comment(comment, request.user)
        else:
            services.unlike_comment(comment, request.user)
    except EngagementRefused as error:
        return _refused(request, post, error)
    if wants_json(request):
        return JsonResponse({"is_liked": is_liking, "like_count": comment.likes.count()})
    return redirect(_comment_url(post, comment.id))


@require_POST
def comment_create(request, slug):
    post = _post(request, slug)
    if not request.user.is_authenticated:
        return redirect(sign_in_url(reverse("posts:detail", args=[post.slug]) + "#comments"))
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = _comment(post, form.cleaned_data["parent"])
        try:
            comment = services.add_comment(post, request.user, form.cleaned_data["body"], parent)
        except EngagementRefused as error:
            return _refused(request, post, error)
        except RateLimited:
            form.add_error(
                None,
                "You have commented a lot in the last few minutes. "
                "Please wait a little and try again.",
            )
            status = 429
        except services.CommentInvalid as error:
            form.add_error("body", str(error))
        else:
            return redirect(_comment_url(post, comment.id))
    return render(
        request, "engagement/comment_form.html", {"post": post, "form": form}, status=status
    )


def comment_permalink(request, slug, comment_id):
    post = _post(request, slug)
    comment = _comment(post, comment_id)
    return redirect(_comment_url(post, comment.id))


@login_required
def comment_edit(request, slug, comment_id):
    post = _post(request, slug)
    comment = _comment(post, comment_id)
    if comment.person_id != request.user.pk:
        raise Http404("No such comment of yours.")
    form = CommentForm(request.POST or None, initial={"body": comment.body_markdown})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_comment(comment, request.user, form.cleaned_data["body"])
            except EngagementRefused as error:
                return _refused(request, post, error)
            except services.CommentInvalid as error:
                form.add_error("body", str(error))
            else:
                return redirect(_comment_url(post, comment.id))
    context = {"post": post, "form": form, "comment": comment}
    return render(request, "engagement/comment_form.html", context, status=status)


@require_POST
@login_required
def comment_delete(request, slug, comment_id):
    post = _post(request, slug)
    comment = _comment(post, comment_id)
    if comment.person_id != request.user.pk:
        raise Http404("No such comment of yours.")
    services.delete_comment(comment, request.user)
    messages.info(request, "Your comment is deleted.")
    return redirect(reverse("posts:detail", args=[post.slug]) + "#comments")


@require_POST
@login_required
def comment_hide(request, slug, comment_id):
    post = _post(request, slug)
    comment = _comment(post, comment_id)
    is_hidden = request.POST.get("action", "hide") != "unhide"
    try:
        services.set_comment_hidden(comment, request.user, is_hidden)
    except EngagementRefused as error:
        return _refused(request, post, error)
    return redirect(_comment_url(post, comment.id))


@require_POST
@login_required
def comment_ban(request, slug, comment_id):
    post = _post(request, slug)
    comment = _comment(post, comment_id)
    if comment.person is None:
        raise Http404("That comment's author has deleted their account.")
    try:
        if request.POST.get("action", "ban") == "unban":
            services.unban_person(post.publication_id, comment.person, request.user)
            messages.info(request, f"{comment.person.name} may comment again.")
        else:
            services.ban_person(post.publication_id, comment.person, request.user)
            messages.info(request, f"{comment.person.name} can no longer like or comment here.")
    except EngagementRefused as error:
        return _refused(request, post, error)
    return redirect(_comment_url(post, comment.id))


@require_POST
@login_required
def comments_toggle(request, slug):
    post = _post(request, slug)
    is_enabled = request.POST.get("action") == "open"
    try:
        services.set_comments_enabled(post, request.user, is_enabled)
    except EngagementRefused as error:
        return _refused(request, post, error)
    messages.info(request, "Comments are open." if is_enabled else "Comments are closed.")
    return redirect(reverse("posts:detail", args=[post.slug]) + "#comments")


@login_required
def notification_settings(request):
    current = queries.notification_settings_of(request.user)
    form = NotificationSettingsForm(
        request.POST or None,
        initial={
            "is_comment_digest_on": current.is_comment_digest_on,
            "is_reply_email_on": current.is_reply_email_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.set_notification_settings(request.user, **form.cleaned_data)
        messages.success(request, "Your email settings are saved.")
        return redirect("engagement:notifications")
    return render(request, "engagement/notification_settings.html", {"form": form})
