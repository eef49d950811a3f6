"""The demo's mail viewer: what the local mail sink received, for someone trying Masthead."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from masthead.core.rendering import sanitize_html
from masthead.delivery import mailbox

LOOPBACK = {"127.0.0.1", "::1"}


def _require_mail_viewer(request) -> None:
    """Only with MAIL_VIEWER_ENABLED (the demo, with the local sink), for staff or this machine."""
    if not settings.MAIL_VIEWER_ENABLED:
        raise Http404("The mail viewer is off.")
    if not (request.user.is_staff or request.META.get("REMOTE_ADDR") in LOOPBACK):
        raise Http404("The mail viewer is off.")


def mail_list(request):
    _require_mail_viewer(request)
    return render(request, "delivery/mail_list.html", {"messages": mailbox.latest_messages()})


def mail_detail(request, name):
    _require_mail_viewer(request)
    message = mailbox.read_message(name)
    if message is None:
        raise Http404("No such message.")
    return render(
        request,
        "delivery/mail_detail.html",
        # The HTML is sanitized like a post (no scripts, styles or forms) before it is shown.
        {"message": message, "safe_html": sanitize_html(message.html)},
    )
