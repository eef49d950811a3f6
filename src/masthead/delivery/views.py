"""The demo's mail viewer: what the local mail sink received, for someone trying Masthead.

A message is shown as a mail client shows it: its HTML part as is, in a sandboxed frame with a
policy of its own (its styles apply, nothing runs), and with its tracking taken out, so looking
at a newsletter here never counts as an open or a click.
"""

import re

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from masthead.delivery import mailbox

LOOPBACK = {"127.0.0.1", "::1"}
MAILS_PER_PAGE = 50
VIEWS = {"html": "HTML", "text": "Text", "headers": "Headers"}

# The frame's own policy: the message's inline styles and remote images, nothing else; only this
# site may frame it, and even opened on its own it stays sandboxed (no scripts, no forms).
FRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"
FRAME_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["*", "data:"],
    "font-src": ["*", "data:"],
    "form-action": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'self'"],
    "sandbox": [FRAME_SANDBOX],
}
HEAD = re.compile(r"<head\b[^>]*>", re.I)


def _require_mail_viewer(request) -> None:
    """Only with MAIL_VIEWER_ENABLED (the demo, with the local sink), for staff or this machine."""
    if not settings.MAIL_VIEWER_ENABLED:
        raise Http404("The mail viewer is off.")
    if not (request.user.is_staff or request.META.get("REMOTE_ADDR") in LOOPBACK):
        raise Http404("The mail viewer is off.")


def _stored_mail(request, name) -> mailbox.StoredMessage:
    _require_mail_viewer(request)
    stored = mailbox.read_message(name)
    if stored is None:
        raise Http404("No such message.")
    return stored


def mail_list(request):
    _require_mail_viewer(request)
    page = Paginator(mailbox.message_names(), MAILS_PER_PAGE).get_page(request.GET.get("page"))
    # Not "messages": base.html shows Django's messages under that name.
    stored_mails = mailbox.read_messages(list(page.object_list))
    return render(request, "delivery/mail_list.html", {"stored_mails": stored_mails, "page": page})


def mail_detail(request, name):
    stored = _stored_mail(request, name)
    default = "html" if stored.html else "text"
    view = request.GET.get("view", default)
    if view not in VIEWS:
        view = default
    tabs = [(key, label) for key, label in VIEWS.items() if key != "html" or stored.html]
    return render(
        request,
        "delivery/mail_detail.html",
        {"stored_mail": stored, "view": view, "tabs": tabs, "frame_sandbox": FRAME_SANDBOX},
    )


@xframe_options_sameorigin
@csp_override(FRAME_CSP)
def mail_frame(request, name):
    """The message's HTML part as sent, tracking removed, for the detail page's frame."""
    stored = _stored_mail(request, name)
    html = mailbox.html_without_tracking(stored.html)
    # Its links open outside the frame, as a mail client opens them.
    base = '<base target="_blank">'
    html = (
        HEAD.sub(lambda match: match.group(0) + base, html, count=1)
        if HEAD.search(html)
        else base + html
    )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
