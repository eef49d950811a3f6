"""Notes pages: a publication's notes, the home feed, a thread, a person's notes; one service each.

Forms post back without JavaScript; engagement.js sends the like forms with fetch and asks for
JSON, which the like view returns instead of a redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from masthead.accounts.links import sign_in_url
from masthead.core.cursors import parse_moment_cursor
from masthead.core.ratelimit import RateLimited
from masthead.core.redirects import next_path_of
from masthead.core.requests import wants_json
from masthead.notes import queries, services
from masthead.notes.forms import NoteEditForm, NoteForm, RestackForm
from masthead.notes.rules import NoteRefused, role_of
from masthead.pagecache.serving import cached_page
from masthead.posts.queries import get_published_post
from masthead.publications.lookups import get_request_publication

RATE_MESSAGE = "You have posted a lot of notes in the last few minutes. Please wait a little."


def _next_url(request, default: str) -> str:
    return next_path_of(request) or default


def _note_url(note) -> str:
    if note.parent_id:
        return reverse("notes:detail", args=[note.parent_id]) + f"#note-{note.id}"
    return reverse("notes:detail", args=[note.id])


def _refused(request, error, status=403):
    if wants_json(request):
        return JsonResponse({"error": str(error)}, status=status)
    return render(request, "notes/refused.html", {"error": str(error)}, status=status)


def _composer(request, publication):
    """The composer's form and whether the viewer may post as the publication."""
    is_staff = role_of(request.user, publication.id) is not None
    return {
        "form": NoteForm(),
        "can_post_as_publication": is_staff,
        "time_zone": timezone.get_current_timezone_name(),
    }


def _scheduled_message(note) -> str:
    moment = timezone.localtime(note.scheduled_for).strftime("%Y-%m-%d %H:%M")
    zone = timezone.get_current_timezone_name()
    return f"Your note is scheduled for {moment} ({zone}); nobody sees it until then."


@cached_page(query=("before",))
def publication_notes(request):
    publication = get_request_publication(request)
    page = queries.publication_notes_page(
        publication, request.user, parse_moment_cursor(request.GET.get("before"))
    )
    context = {
        "page": page,
        "recent_posts": queries.recent_posts(publication) if request.user.is_authenticated else [],
        **_composer(request, publication),
    }
    return render(request, "notes/publication_notes.html", context)


@login_required
def feed(request):
    publication = get_request_publication(request)
    page = queries.feed_page(
        request.user, parse_moment_cursor(request.GET.get("before")), here=publication
    )
    return render(request, "notes/feed.html", {"page": page, **_composer(request, publication)})


@require_POST
def note_create(request):
    publication = get_request_publication(request)
    back = _next_url(request, reverse("notes:publication_notes"))
    if not request.user.is_authenticated:
        return redirect(sign_in_url(back))
    form = NoteForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        is_scheduling = data["schedule_for"] is not None
        try:
            linked_post = None
            if data["post_address"]:
                linked_post = get_published_post(publication, data["post_address"])
            parent = queries.get_note(data["parent"]) if data["parent"] else None
            note = services.post_note(
                request.user,
                data["body"],
                # A scheduled note is always the publication's (the field says so).
                publication=publication if data["as_publication"] or is_scheduling else None,
                image=data["image"],
                linked_post=linked_post,
                parent=parent,
                scheduled_for=data["schedule_for"],
            )
        except NoteRefused as error:
            return _refused(request, error)
        except RateLimited:
            form.add_error(None, RATE_MESSAGE)
            status = 429
        except services.NoteInvalid as error:
            form.add_error(None, str(error))
        else:
            if note.is_scheduled:
                messages.success(request, _scheduled_message(note))
            return redirect(_note_url(note) if note.parent_id else back)
    context = {**_composer(request, publication), "form": form, "next": back}
    return render(request, "notes/note_form.html", context, status=status)


def note_detail(request, note_id):
    publication = get_request_publication(request)
    thread = queries.note_thread(note_id, request.user, here=publication)
    context = {"thread": thread, "form": NoteForm(initial={"parent": thread.note.id})}
    return render(request, "notes/note_detail.html", context)


@require_POST
def note_like(request, note_id):
    note = queries.get_note(note_id)
    if not request.user.is_authenticated:
        return redirect(sign_in_url(_note_url(note)))
    is_liking = request.POST.get("action", "like") != "unlike"
    try:
        if is_liking:
            services.like_note(note, request.user)
        else:
            services.unlike_note(note, request.user)
    except NoteRefused as error:
        return _refused(request, error)
    note.refresh_from_db(fields=["like_count"])
    if wants_json(request):
        return JsonResponse({"is_liked": is_liking, "like_count": note.like_count})
    return redirect(_next_url(request, _note_url(note)))


def _restack(request, *, card=None, post=None):
    """Restack a note (`card`, as queries.note_card gives it) or a post of this publication."""
    note = card.note if card else None
    target_url = _note_url(note) if note else reverse("posts:detail", args=[post.slug])
    here = request.get_full_path()
    if not request.user.is_authenticated:
        return redirect(sign_in_url(here))
    form = RestackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.post_note(
                    request.user,
                    form.cleaned_data["body"],
                    restack_of_note=note,
                    restack_of_post=post,
                )
            except NoteRefused as error:
                return _refused(request, error)
            except RateLimited:
                form.add_error(None, RATE_MESSAGE)
                status = 429
            except services.NoteInvalid as error:
                form.add_error("body", str(error))
            else:
                messages.success(request, "Restacked to your notes.")
                return redirect(_next_url(request, reverse("notes:feed")))
    context = {
        "form": form,
        "card": card,
        "post_card": queries.post_card(post, here=post.publication) if post else None,
        "target_url": target_url,
    }
    return render(request, "notes/restack_form.html", context, status=status)


def note_restack(request, note_id):
    publication = get_request_publication(request)
    return _restack(request, card=queries.note_card(note_id, here=publication))


def post_restack(request, slug):
    return _restack(request, post=get_published_post(get_request_publication(request), slug))


@login_required
def note_edit(request, note_id):
    note = queries.get_note_for_author(request.user, note_id)
    form = NoteEditForm(request.POST or None, initial={"body": note.body_markdown})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_note(note, request.user, form.cleaned_data["body"])
            except NoteRefused as error:
                return _refused(request, error)
            except services.NoteInvalid as error:
                form.add_error("body", str(error))
            else:
                return redirect(_note_url(note))
    return render(request, "notes/note_edit.html", {"form": form, "note": note}, status=status)


@require_POST
@login_required
def note_delete(request, note_id):
    note = queries.get_note_for_author(request.user, note_id)
    services.delete_note(note, request.user)
    messages.info(request, "Your note is deleted.")
    return redirect(_next_url(request, reverse("notes:person", args=[request.user.pk])))


def person_notes(request, person_id):
    publication = get_request_publication(request)
    person = queries.get_person(person_id)
    page = queries.person_notes_page(
        person, request.user, parse_moment_cursor(request.GET.get("before")), here=publication
    )
    context = {
        "person": person,
        "page": page,
        "is_following": queries.is_following(request.user, person),
        "is_self": request.user.is_authenticated and request.user.pk == person.pk,
    }
    return render(request, "notes/person_notes.html", context)


@require_POST
def person_follow(request, person_id):
    person = queries.get_person(person_id)
    here = reverse("notes:person", args=[person.pk])
    if not request.user.is_authenticated:
        return redirect(sign_in_url(here))
    try:
        if request.POST.get("action", "follow") == "unfollow":
            services.unfollow(request.user, person)
            messages.info(request, f"You no longer follow {person.name}.")
        else:
            services.follow(request.user, person)
            messages.success(request, f"You follow {person.name}; their notes are in your feed.")
    except NoteRefused as error:
        return _refused(request, error)
    return redirect(here)
