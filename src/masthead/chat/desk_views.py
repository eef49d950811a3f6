"""The desk's chat page: who may read and start threads, muted people, hidden messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from masthead.chat import rules, services
from masthead.chat.desk_forms import ChatSettingsForm
from masthead.chat.models import ChatMessage, ChatMute
from masthead.core.db import LARGEST_ID
from masthead.desk.lookups import MANAGERS, get_membership
from masthead.publications.links import publication_link

HIDDEN_SHOWN = 20  # the most recently hidden messages listed


def _an_id(value: int) -> int:
    if value > LARGEST_ID:
        raise Http404("No such person or message.")
    return value


@login_required
@require_http_methods(["GET", "POST"])
def chat_settings(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    current = rules.settings_for(publication)
    form = ChatSettingsForm(
        request.POST or None, initial={"readers": current.readers, "starters": current.starters}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(publication, **form.cleaned_data)
        except services.ChatRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Chat settings saved.")
            return redirect("desk:chat_settings", publication.slug)
    mutes = list(
        ChatMute.objects.filter(publication=publication)
        .select_related("person", "muted_by")
        .order_by("-created_at", "-id")
    )
    context = {
        "desk_publication": publication,
        "membership": membership,
        "form": form,
        "room_url": publication_link(publication, "chat:room"),
        "mutes": mutes,
        "hidden_messages": ChatMessage.objects.filter(
            publication=publication, hidden_at__isnull=False, deleted_at__isnull=True
        )
        .select_related("author", "thread")
        .order_by("-hidden_at", "-id")[:HIDDEN_SHOWN],
        "muted_ids": {mute.person_id for mute in mutes},
    }
    return render(request, "desk/chat_settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def chat_unmute(request, publication_slug, person_id):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    try:
        was_muted = services.unmute(
            request.user, membership.publication, person_id=_an_id(person_id)
        )
    except services.ChatRefused as error:
        messages.error(request, str(error))
    else:
        if was_muted:
            messages.success(request, "Unmuted: they can post in the chat again.")
        else:
            messages.info(request, "That person was not muted.")
    return redirect("desk:chat_settings", membership.publication.slug)


@login_required
@require_POST
def chat_mute_author(request, publication_slug, message_id):
    """Mute the author of a message, from the list of hidden ones."""
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    message = get_object_or_404(
        ChatMessage.objects.select_related("author"),
        id=_an_id(message_id),
        publication=publication,
    )
    try:
        services.mute(request.user, publication, person_id=message.author_id)
    except services.ChatRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{message.author.name} is muted: they can read, not post.")
    return redirect("desk:chat_settings", publication.slug)
