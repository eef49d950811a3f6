"""The post editor: list, write, preview, insert images, autosave, publish, schedule, delete.

Every view starts with a permission-checked lookup (desk.lookups or desk.post_lookups), parses
input with a form from desk.post_forms and changes posts only through posts.services.
"""

import datetime as dt
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.handlers.wsgi import get_script_name
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone
from django.views.decorators.http import require_POST

from masthead.core import images
from masthead.core.templatetags.masthead import moment
from masthead.delivery.clipping import clip_notice, newsletter_html_size
from masthead.delivery.queries import newsletter_recipients
from masthead.delivery.services import subject_tests
from masthead.desk.lookups import get_membership
from masthead.desk.post_forms import (
    MAX_BODY_CHARS,
    Action,
    ImageUploadForm,
    MarkdownPreviewForm,
    PostAutosaveForm,
    PostEditorForm,
)
from masthead.desk.post_lookups import get_post_for_editor, post_list_page
from masthead.posts import services
from masthead.posts.models import Audience, Post, PostKind, PostStatus
from masthead.posts.paywall import PAYWALL_MARKER, PaywallSplit, split_at_paywall
from masthead.publications.links import publication_root, site_path
from masthead.revisions import queries as revision_queries
from masthead.revisions import services as revisions
from masthead.revisions.models import RevisionKind


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


@login_required
def post_list(request, publication_slug):
    membership = get_membership(request.user, publication_slug)
    page = post_list_page(membership, request.GET.get("status", ""), _page_number(request))
    root = publication_root(membership.publication)
    for post in page["posts"]:
        post.public_url = root + site_path("posts:detail", post.slug) if post.is_public else ""
    context = {"desk_publication": membership.publication, "membership": membership, **page}
    return render(request, "desk/post_list.html", context)


PUBLISH_AT_FORMAT = "%Y-%m-%dT%H:%M"


def proposed_publish_at(request):
    """The moment a link proposes for a new post (the calendar's "+ New post" on a day:
    ?publish_at=2026-12-01T09:00, in the publication's time zone), when it is a moment to come;
    anything else proposes nothing."""
    value = str(request.GET.get("publish_at", ""))[:40]
    try:
        moment = dt.datetime.strptime(value, PUBLISH_AT_FORMAT).replace(
            tzinfo=timezone.get_current_timezone()  # the desk's: the publication's time zone
        )
    except ValueError:
        return None
    return moment if moment > timezone.now() else None


def _propose(form, proposed) -> None:
    if proposed is not None:
        form.initial["publish_at"] = proposed


def _editor_urls(publication_slug: str, post=None, proposed=None) -> dict:
    if post is None:
        # A new post keeps the moment its link proposed until it is saved (proposed_publish_at).
        action = reverse("desk:post_new", args=[publication_slug])
        if proposed is not None:
            action += "?" + urlencode({"publish_at": proposed.strftime(PUBLISH_AT_FORMAT)})
        return {
            "action": action,
            "autosave": reverse("desk:post_autosave_new", args=[publication_slug]),
        }
    args = [publication_slug, post.id]
    return {
        "action": reverse("desk:post_edit", args=args),
        "autosave": reverse("desk:post_autosave", args=args),
        "reader_preview": reverse("desk:post_preview", args=args),
        "revisions": reverse("desk:post_revisions", args=args),
        "unpublish": reverse("desk:post_unpublish", args=args),
        "delete": reverse("desk:post_delete", args=args),
    }


def _as_emailed(publication, post, *, title, subtitle, audience, body_markdown):
    """The post as the editor has it, unsaved but rendered as saving renders it: what its
    newsletter would be made of now; with the cut its paywall makes, for the editor's preview."""
    unsaved = Post(
        publication=publication,
        title=title,
        subtitle=subtitle,
        slug=post.slug if post is not None else "post",
        audience=audience if audience in Audience.values else Audience.EVERYONE,
        body_markdown=body_markdown,
        # The saved cover, so the clipping measure counts its image tag too.
        cover_image=post.cover_image if post is not None else "",
    )
    split = services.render_post_body(unsaved)
    return unsaved, split


# Audiences whose post has a paywall: everyone else reads only the part above it.
PAYWALLED = (Audience.SUBSCRIBERS, Audience.PAID)


def _editor_preview_html(split: PaywallSplit, audience) -> str:
    """The whole post as readers with access see it; a paid or subscribers-only post's with a
    divider where the preview of everyone else ends, so the writer sees what they give away."""
    if audience not in PAYWALLED:
        return split.full_html
    context = {"is_marked": split.is_marked, "audience": audience}
    divider = render_to_string("posts/_paywall_divider.html", context)
    return split.preview_html + divider + split.rest_html


def _editor_kind(form, post) -> str:
    """The kind the editor shows: as submitted, else the post's."""
    if form.is_bound and "kind" in form.data:
        return str(form.data["kind"])
    return post.kind if post is not None else PostKind.POST


def _content_version(request, form, post) -> int:
    """The version the page says it started from: as submitted (a refused save keeps the one
    its text started from), else the post's latest revision's."""
    if form.is_bound:
        sent = revisions.parse_version(request.POST.get("content_version"))
        if sent is not None:
            return sent
    return revision_queries.current_version(post) if post is not None else 0


def _render_editor(request, membership, form, post=None, *, is_previewing=False, conflict=None):
    """The editor page; a bound form with errors answers 400, unless the writer only previews;
    a save refused because someone saved since (`conflict`) answers 409, keeping both texts."""
    publication = membership.publication
    body = form.data.get("body_markdown", "") if form.is_bound else (post and post.body_markdown)
    body = str(body or "")[:MAX_BODY_CHARS]
    # Gmail clips long emails: the writer sees it coming, for the text on the page.
    if form.is_bound:
        audience = form.data.get("audience")
        emailed, split = _as_emailed(
            publication,
            post,
            title=str(form.data.get("title", "")),
            subtitle=str(form.data.get("subtitle", "")),
            audience=audience,
            body_markdown=body,
        )
    else:
        audience = post.audience if post is not None else Audience.EVERYONE
        emailed, split = post, split_at_paywall(body)
    has_errors = form.is_bound and bool(form.errors)
    status = 400 if has_errors and not is_previewing else 200
    if conflict is not None:
        status = 409
    context = {
        "desk_publication": publication,
        "membership": membership,
        "form": form,
        "post": post,
        "preview_html": _editor_preview_html(split, audience),
        "is_paid": audience in PAYWALLED,  # the paywall control shows
        "is_page": _editor_kind(form, post) == PostKind.PAGE,  # never emailed: no send controls
        "paywall_marker": PAYWALL_MARKER,
        "clip_notice": clip_notice(newsletter_html_size(emailed)) if emailed else None,
        "urls": _editor_urls(publication.slug, post, proposed_publish_at(request)),
        "public_url": (
            publication_root(publication) + site_path("posts:detail", post.slug)
            if post is not None and post.is_public
            else ""
        ),
        "time_zone": timezone.get_current_timezone_name(),
        "max_upload": images.describe_size(settings.MAX_IMAGE_UPLOAD_BYTES),
        "max_upload_bytes": settings.MAX_IMAGE_UPLOAD_BYTES,
        "is_autosaved": post is None or post.status != PostStatus.PUBLISHED,
        "show_error_summary": has_errors and not is_previewing,
        "content_version": _content_version(request, form, post),
        "conflict": conflict,
        "recipient_count": (
            newsletter_recipient_count(publication, post)
            if post is not None and post.status != PostStatus.PUBLISHED
            else 0
        ),
    }
    return render(request, "desk/post_edit.html", context, status=status)


def _store_image(form, publication, content):
    """Store the form's image, if any, and add it to the end of the post's Markdown."""
    image = form.cleaned_data.get("image")
    if image is None:
        return content, None
    stored = images.store_post_image(publication.id, image, form.cleaned_data["image_alt"])
    body = content.body_markdown.rstrip()
    body = f"{body}\n\n{stored.markdown}\n" if body else f"{stored.markdown}\n"
    return replace(content, body_markdown=body), stored


def _refuse_form(form, error: services.PostError, stored) -> None:
    if stored is not None:
        default_storage.delete(stored.name)  # nothing was saved, so nothing may refer to it
    form.add_error(error.field, error.message)


def _ask_to_choose_image_again(form) -> None:
    for name in ("image", "cover_image"):
        if form.files.get(name) and name not in form.errors:
            form.add_error(
                name, "Choose the image again: files are not kept when a form has errors."
            )


def _create_draft(
    request, publication, form, content: services.PostContent, *, kind=RevisionKind.SAVE
):
    """The new post, its email's options and its first revision, together."""
    with transaction.atomic():
        post = _create_post(request, publication, content)
        _save_email_options(post, form)
        revisions.record_revision(post, request.user, kind=kind)
    return post


def _create_post(request, publication, content: services.PostContent):
    return services.create_post(
        publication,
        [request.user],
        title=content.title,
        subtitle=content.subtitle,
        slug=content.slug,
        body_markdown=content.body_markdown,
        audience=content.audience,
        section=content.section,
        kind=content.kind or PostKind.POST,
        audio_url=content.audio_url or "",
        tags=content.tags or [],
    )


@login_required
def post_new(request, publication_slug):
    membership = get_membership(request.user, publication_slug)
    publication = membership.publication
    proposed = proposed_publish_at(request)
    if request.method != "POST":
        form = PostEditorForm(publication)
        _propose(form, proposed)
        return _render_editor(request, membership, form)
    form = PostEditorForm(publication, request.POST, request.FILES)
    if request.POST.get("action") == Action.PREVIEW:
        return _render_editor(request, membership, form, is_previewing=True)
    if form.is_valid():
        content, stored = _store_image(form, publication, form.content())
        try:
            post = _create_draft(request, publication, form, content)
        except services.PostError as error:
            _refuse_form(form, error, stored)
        else:
            messages.success(request, "Draft saved. You can publish or schedule it now.")
            edit_url = reverse("desk:post_edit", args=[publication.slug, post.id])
            if proposed is not None:  # the calendar's day, kept for the page that can schedule
                edit_url += "?" + urlencode({"publish_at": proposed.strftime(PUBLISH_AT_FORMAT)})
            return redirect(edit_url)
    _ask_to_choose_image_again(form)
    return _render_editor(request, membership, form)


@login_required
def post_edit(request, publication_slug, post_id):
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    publication = membership.publication
    if request.method != "POST":
        proposed = None if post.status != PostStatus.DRAFT else proposed_publish_at(request)
        form = PostEditorForm(publication, post=post)
        _propose(form, proposed)
        return _render_editor(request, membership, form, post)
    form = PostEditorForm(publication, request.POST, request.FILES, post=post)
    if request.POST.get("action") == Action.PREVIEW:
        return _render_editor(request, membership, form, post, is_previewing=True)
    if form.is_valid() and form.needs_send_confirmation and post.status != PostStatus.PUBLISHED:
        return _confirm_send(request, membership, form, post)
    if form.is_valid():
        action = form.cleaned_data["action"]
        content, stored = _store_image(form, publication, form.content())
        try:
            with revisions.saving(post, request.user, kind=RevisionKind.SAVE, **_base(request)):
                _save_email_options(post, form)  # before publishing: the email reads them
                note = _save_from_editor(post, form, content, stored)
        except revisions.RevisionConflict as conflict:
            if stored is not None:
                default_storage.delete(stored.name)  # nothing was saved, so nothing refers to it
            _ask_to_choose_image_again(form)
            return _render_editor(request, membership, form, post, conflict=conflict.latest)
        except services.PostError as error:
            _refuse_form(form, error, stored)
        else:
            if post.email_requested and action in (Action.PUBLISH, Action.SCHEDULE):
                note += " It is marked to go out by email."
            messages.success(request, note)
            return redirect("desk:post_edit", publication.slug, post.id)
    _ask_to_choose_image_again(form)
    return _render_editor(request, membership, form, post)


def _base(request) -> dict:
    """The version a save started from, and whether the writer chose to save over a newer one."""
    return {
        "base_version": revisions.parse_version(request.POST.get("content_version")),
        "force": request.POST.get("force_save") == "1",
    }


def _save_from_editor(post, form, content, stored) -> str:
    """Save, publish or schedule as the editor's button asked; the note that says what happened."""
    action = form.cleaned_data["action"]
    send_email = form.cleaned_data["send_email"]
    if action == Action.PUBLISH:
        services.publish_post(post, send_email=send_email, content=content)
        return "Published. Readers can see it now."
    if action == Action.SCHEDULE:
        services.schedule_post(
            post, form.cleaned_data["publish_at"], send_email=send_email, content=content
        )
        return (
            f"Scheduled for {moment(post.published_at)} ({timezone.get_current_timezone_name()})."
        )
    if post.status == PostStatus.PUBLISHED:
        services.update_post(post, content)
        return "Post updated. Readers see the new version."
    services.save_draft(post, content)
    return "Image inserted and saved." if stored else "Saved."


def newsletter_recipient_count(publication, post=None) -> int:
    """How many people a newsletter would go to now: those fan-out would write deliveries for."""
    section_id = post.section_id if post is not None else None
    return newsletter_recipients(publication.id, section_id=section_id).count()


def _save_email_options(post, form) -> None:
    """The email's subject, preview text and subject test, when the page sent them."""
    if form.has_email_options:
        subject_tests.set_email_options(post, form.email_options())


def _confirm_send(request, membership, form, post):
    """Publishing or scheduling with email asks once, showing how many people will get it. The
    text is saved first (as autosave would), so "Back" loses nothing; "Confirm" posts the real
    action again with confirm_send."""
    publication = membership.publication
    data = form.cleaned_data
    content, stored = _store_image(form, publication, form.content())
    try:
        if data["action"] == Action.SCHEDULE:
            services.check_schedule_time(data["publish_at"])
        with revisions.saving(post, request.user, kind=RevisionKind.SAVE, **_base(request)):
            services.save_draft(post, content)
            _save_email_options(post, form)
    except revisions.RevisionConflict as conflict:
        if stored is not None:
            default_storage.delete(stored.name)
        _ask_to_choose_image_again(form)
        return _render_editor(request, membership, form, post, conflict=conflict.latest)
    except services.PostError as error:
        _refuse_form(form, error, stored)
        _ask_to_choose_image_again(form)
        return _render_editor(request, membership, form, post)
    publish_at = data["publish_at"] if data["action"] == Action.SCHEDULE else None
    resend = {
        "title": post.title,
        "subtitle": post.subtitle,
        "slug": data["slug"],
        "body_markdown": post.body_markdown,
        "section": post.section_id or "",
        "audience": post.audience,
        "kind": post.kind,
        "audio_url": post.audio_url,
        "tags": ", ".join(post.tag_labels),
        "send_email": "on",
        "publish_at": timezone.localtime(publish_at).strftime("%Y-%m-%dT%H:%M")
        if publish_at
        else "",
        "confirm_send": "on",
        "email_subject": post.email_subject,
        "preview_text": post.preview_text,
        "subject_test_lines": "\n".join(post.subject_test_lines),
        "subject_test_sample_percent": post.subject_test_sample_percent,
        "subject_test_wait_hours": post.subject_test_wait_hours,
        "subject_test_metric": post.subject_test_metric,
    }
    recipient_count = newsletter_recipient_count(publication, post)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "post": post,
        "action": data["action"],
        "publish_at_display": moment(publish_at) if publish_at else "",
        "time_zone": timezone.get_current_timezone_name(),
        "recipient_count": recipient_count,
        "test_plan": subject_tests.describe_plan(post, recipient_count),
        "resend": resend,
        "urls": _editor_urls(publication.slug, post),
    }
    return render(request, "desk/post_send_confirm.html", context)


def _form_errors(form) -> JsonResponse:
    errors = {
        field: [str(message) for message in messages_] for field, messages_ in form.errors.items()
    }
    first = next(iter(errors.values()))[0]
    return JsonResponse({"error": first, "errors": errors}, status=400)


def _error(error: services.PostError) -> JsonResponse:
    errors = {error.field or "__all__": [error.message]}
    return JsonResponse(
        {"error": error.message, "errors": errors}, status=400 if error.field else 409
    )


def _saved(post) -> dict:
    return {
        "content_version": revision_queries.current_version(post),
        "saved_at": post.updated_at.isoformat(),
        "saved_at_display": timezone.localtime(post.updated_at).strftime("%H:%M"),
        "slug": post.slug,
        "status": post.status,
    }


@login_required
@require_POST
def post_autosave_new(request, publication_slug):
    """The first autosave of a new post creates its draft and tells the page where it now lives."""
    membership = get_membership(request.user, publication_slug)
    publication = membership.publication
    form = PostAutosaveForm(publication, request.POST)
    if not form.is_valid():
        return _form_errors(form)
    content = form.content()
    try:
        post = _create_draft(request, publication, form, content, kind=RevisionKind.AUTOSAVE)
    except services.PostError as error:
        return _error(error)
    return JsonResponse({**_saved(post), "urls": _editor_urls(publication.slug, post)}, status=201)


@login_required
@require_POST
def post_autosave(request, publication_slug, post_id):
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    form = PostAutosaveForm(membership.publication, request.POST, post=post)
    if not form.is_valid():
        return _form_errors(form)
    try:
        with revisions.saving(post, request.user, kind=RevisionKind.AUTOSAVE, **_base(request)):
            services.save_draft(post, form.content())
            _save_email_options(post, form)
    except revisions.RevisionConflict as conflict:
        return _conflict(conflict)
    except services.PostError as error:
        return _error(error)
    return JsonResponse(_saved(post))


def _conflict(conflict: revisions.RevisionConflict) -> JsonResponse:
    """A refused autosave: who saved the post since, and when; the page stops autosaving."""
    latest = conflict.latest
    return JsonResponse(
        {
            "error": conflict.message,
            "errors": {"__all__": [conflict.message]},
            "conflict": {
                "author": latest.author.name if latest.author else "",
                "saved_at": latest.saved_at.isoformat(),
                "saved_at_display": timezone.localtime(latest.saved_at).strftime("%H:%M"),
                "revision": latest.number,
                "content_version": latest.version,
            },
        },
        status=409,
    )


@login_required
@require_POST
def post_render_preview(request, publication_slug):
    """The live preview: Markdown in, the HTML readers will get out (same renderer, same sanitizer)
    with a paid post's paywall shown, and a warning when its email is long enough for Gmail to
    clip it."""
    membership = get_membership(request.user, publication_slug)
    form = MarkdownPreviewForm(request.POST)
    if not form.is_valid():
        return _form_errors(form)
    data = form.cleaned_data
    emailed, split = _as_emailed(
        membership.publication,
        None,
        title=data["title"],
        subtitle=data["subtitle"],
        audience=data["audience"],
        body_markdown=data["body_markdown"],
    )
    answer = {"html": _editor_preview_html(split, data["audience"])}
    notice = clip_notice(newsletter_html_size(emailed))
    if notice is not None:  # no key, no notice: the page clears the one it shows
        context = {"notice": notice, "is_editor": True}
        answer["clip_notice"] = render_to_string("delivery/_clipping_notice.html", context)
    return JsonResponse(answer)


@login_required
@require_POST
def post_image_upload(request, publication_slug):
    membership = get_membership(request.user, publication_slug)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_errors(form)
    stored = images.store_post_image(
        membership.publication.id, form.cleaned_data["image"], form.cleaned_data["image_alt"]
    )
    image = form.cleaned_data["image"]
    return JsonResponse(
        {
            "url": stored.url,
            "markdown": stored.markdown,
            "width": image.width,
            "height": image.height,
        },
        status=201,
    )


@contextmanager
def _links_of(request, publication):
    """Build links as the publication's own pages do (under /pub/<slug>/, valid on any host),
    so that a preview's header, navigation and subscribe form lead to the right publication."""
    previous = get_script_prefix()
    set_script_prefix(get_script_name(request.META).rstrip("/") + f"/pub/{publication.slug}/")
    try:
        yield
    finally:
        set_script_prefix(previous)


@login_required
def post_preview(request, publication_slug, post_id):
    """The post as readers will see it, whatever its status; only for those who may edit it."""
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    if post.published_at is None:
        post.published_at = timezone.now()  # a draft shows the date it would have if published now
    context = {
        "post": post,
        "publication": membership.publication,
        "is_full": True,
        "is_preview": True,
        "edit_url": reverse("desk:post_edit", args=[membership.publication.slug, post.id]),
    }
    with _links_of(request, membership.publication):
        return render(request, "posts/post_detail.html", context)


@login_required
@require_POST
def post_unpublish(request, publication_slug, post_id):
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    notes = {
        PostStatus.DRAFT: "This post is a draft already.",
        PostStatus.SCHEDULED: "The schedule is cancelled; the post is a draft again.",
        PostStatus.PUBLISHED: "Unpublished. The post is a draft again; readers cannot see it.",
    }
    note = notes[post.status]
    services.unpublish_post(post)
    messages.success(request, note)
    return redirect("desk:post_edit", membership.publication.slug, post.id)


@login_required
def post_delete(request, publication_slug, post_id):
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    if request.method == "POST":
        services.delete_post(post)
        messages.success(request, f"Deleted “{post.title}”.")
        return redirect("desk:post_list", membership.publication.slug)
    context = {"desk_publication": membership.publication, "membership": membership, "post": post}
    return render(request, "desk/post_delete.html", context)
