"""Chat pages: the room (threads), a thread (its replies), image uploads and the digest switch.

The pages render the history on the server, so it reads without JavaScript; chat.js then
connects to the chat server's socket (docs/chat-protocol.md) for live changes and posting.
Who may read is decided once per request by rules.access_for; people who may not read get a
refusal page, never the history.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from masthead.accounts.links import sign_in_url
from masthead.chat import events, queries, rules, services
from masthead.chat.forms import DigestForm, ImageUploadForm
from masthead.chat.models import Reaction
from masthead.core.cursors import parse_moment_cursor
from masthead.core.ratelimit import RateLimited, check_rate
from masthead.engagement.rules import SIGN_IN_FIRST
from masthead.publications.lookups import get_request_publication

UPLOAD_RATE = (60, 60 * 10)  # per person: 60 images in ten minutes


def _refused(request, error: str, *, may_subscribe: bool = False, may_read: bool = False):
    context = {"error": error, "may_subscribe": may_subscribe, "may_read": may_read}
    return render(request, "chat/refused.html", context, status=403)


def _reader_access(request, publication):
    """The person's access, or the response for someone who may not read the chat."""
    access = rules.access_for(request.user, publication)
    if access.may_read:
        return access, None
    return access, _refused(
        request, access.read_refusal, may_subscribe=access.read_refusal == rules.NOT_A_READER
    )


def _client_config(request, publication, access, last_event_id: int) -> dict:
    """What chat.js needs, carried as data attributes on the page's chat element."""
    return {
        "socket_path": f"/ws/chat/{publication.slug}/",
        "socket_port": settings.CHAT_SOCKET_PORT,
        "person_id": access.person_id,
        "is_staff": access.is_staff,
        "last_event_id": last_event_id,
        "upload_url": reverse("chat:upload_image"),
        "thread_url": reverse("chat:thread", args=[0]),
        "reactions": [{"reaction": value, "emoji": label} for value, label in Reaction.choices],
        "outbox_key": f"masthead-chat-outbox:{publication.slug}:{access.person_id}",
    }


def _allow_socket(request, response):
    """With a chat port of its own (no proxy), the socket is another origin: let the page's
    Content-Security-Policy connect to it."""
    port = settings.CHAT_SOCKET_PORT
    if port and settings.SECURE_CSP:
        hostname, _ = split_domain_port(request.get_host())
        if ":" in hostname and not hostname.startswith("["):
            hostname = f"[{hostname}]"
        connect = list(settings.SECURE_CSP.get("connect-src", ["'self'"]))
        connect += [f"ws://{hostname}:{port}", f"wss://{hostname}:{port}"]
        response._csp_config = {**settings.SECURE_CSP, "connect-src": connect}
    return response


@require_GET
def room(request):
    publication = get_request_publication(request)
    if not request.user.is_authenticated:
        # The navigation leads here: say what the chat is and how to join, not just "sign in".
        context = {
            "is_invitation": True,
            "may_subscribe": True,
            "sign_in_url": sign_in_url(request.get_full_path()),
        }
        return render(request, "chat/refused.html", context)
    access, refusal = _reader_access(request, publication)
    if refusal:
        return refusal
    # Read before the history: whatever changes after this is replayed to the page's socket,
    # and applying a change twice is harmless.
    last_event_id = events.latest_event_id(publication.id)
    cursor = parse_moment_cursor(request.GET.get("before"))
    page = queries.room_page(publication, request.user, access, cursor)
    reader = services.note_visit(request.user, publication)
    context = {
        "page": page,
        "access": access,
        "thread_refusal": rules.thread_refusal(access),
        "is_digest_on": reader.is_digest_on,
        "chat": _client_config(request, publication, access, last_event_id),
        "max_images": services.MAX_IMAGES,
        "max_length": services.MAX_MESSAGE_LENGTH,
    }
    return _allow_socket(request, render(request, "chat/room.html", context))


@require_GET
def thread(request, thread_id):
    publication = get_request_publication(request)
    if not request.user.is_authenticated:
        return redirect(sign_in_url(request.get_full_path()))
    access, refusal = _reader_access(request, publication)
    if refusal:
        return refusal
    last_event_id = events.latest_event_id(publication.id)
    try:
        message = queries.get_thread_for_reader(access, publication, thread_id)
    except PermissionDenied as error:
        return _refused(request, str(error), may_read=True)
    page = queries.thread_page(message, queries.parse_message_id(request.GET.get("before")))
    services.mark_read(request.user, message, page.newest_id)
    context = {
        "page": page,
        "access": access,
        "reply_refusal": rules.reply_refusal(access, message),
        "chat": _client_config(request, publication, access, last_event_id),
        "max_length": services.MAX_MESSAGE_LENGTH,
    }
    return _allow_socket(request, render(request, "chat/thread.html", context))


@require_POST
def upload_image(request):
    """An image for a thread about to be started: {id, url}, or {error} with a message."""
    publication = get_request_publication(request)
    if not request.user.is_authenticated:
        return JsonResponse({"error": SIGN_IN_FIRST}, status=401)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"error": form.errors["image"][0]}, status=400)
    try:
        check_rate("chat-upload", str(request.user.pk), UPLOAD_RATE)
        image = services.upload_image(request.user, publication, form.cleaned_data["image"])
    except RateLimited as error:
        return JsonResponse({"error": str(error)}, status=429)
    except services.ChatRefused as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"id": image.id, "url": image.image.url}, status=201)


@require_POST
def digest(request):
    publication = get_request_publication(request)
    here = reverse("chat:room")
    if not request.user.is_authenticated:
        return redirect(sign_in_url(here))
    _, refusal = _reader_access(request, publication)
    if refusal:
        return refusal
    form = DigestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That did not work; choose the digest switch again.")
        return redirect(here)
    is_on = form.cleaned_data["is_on"]
    services.set_digest(request.user, publication, is_on=is_on)
    if is_on:
        messages.success(request, "You will get an email of new threads you were not here for.")
    else:
        messages.info(request, "No more chat digests.")
    return redirect(here)
