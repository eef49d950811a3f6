"""The desk's view of sends: progress while a post goes out, pause/resume/cancel, test emails."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from masthead.core.db import LARGEST_ID
from masthead.core.ratelimit import RateLimited, check_rate
from masthead.delivery import clipping, queries
from masthead.delivery.models import Send, SendState
from masthead.delivery.services import control, fan_out
from masthead.desk.lookups import EDITORS, MANAGERS, get_membership
from masthead.desk.post_lookups import get_post_for_editor

SENDS_SHOWN = 50
TEST_SEND_LIMIT = (5, 600)  # five test emails per ten minutes per person
RUNNING = (SendState.PREPARING, SendState.SENDING)


class TrackingForm(forms.Form):
    track_opens_and_clicks = forms.BooleanField(
        required=False,
        label="Count opens and clicks",
        help_text="Adds an invisible image and sends links through this site. New sends only.",
    )


def _send_for_staff(membership, send_id: int) -> Send:
    if not 0 < send_id <= LARGEST_ID:
        raise Http404("No such send.")
    send = (
        Send.objects.select_related("post")
        .filter(publication=membership.publication, id=send_id)
        .first()
    )
    if send is None:
        raise Http404("No such send.")
    return send


def _progress(send: Send, outcomes: dict[str, int]) -> dict:
    """A send's counts by outcome (see delivery.queries), as the page and its JSON show them."""
    return {
        "id": send.id,
        "state": send.state,
        "state_label": send.get_state_display(),
        "recipients": send.recipient_count,
        **outcomes,
        "done": max(send.recipient_count - queries.unfinished_count(outcomes), 0),
        "opens": send.open_count,
        "clicks": send.click_count,
        "is_tracked": send.is_tracked,
        "is_running": send.state in RUNNING,
    }


@login_required
def send_list(request, publication_slug):
    membership = get_membership(request.user, publication_slug, EDITORS)
    publication = membership.publication
    sends = list(
        Send.objects.filter(publication=publication)
        .select_related("post")
        .defer("html_template", "text_template", "full_html_template", "full_text_template")
        # Measured by the database: the HTML of fifty sends stays there.
        .annotate(html_size=clipping.sent_html_size_expression())
        .order_by("-created_at", "-id")[:SENDS_SHOWN]
    )
    # Outcomes and reasons of every shown send: two queries at most, whatever their number.
    outcomes = queries.outcomes_by_send(send.id for send in sends)
    with_reasons = [send_id for send_id, counts in outcomes.items() if queries.has_reasons(counts)]
    reasons = queries.reasons_by_send(with_reasons) if with_reasons else {}
    rows = [
        {
            "send": send,
            "progress": _progress(send, outcomes[send.id]),
            "reasons": reasons.get(send.id, []),
            "clipping": clipping.clip_notice(send.html_size),
        }
        for send in sends
    ]
    context = {
        "desk_publication": publication,
        "membership": membership,
        "rows": rows,
        "can_manage": membership.role in MANAGERS,
        "is_any_running": any(row["progress"]["is_running"] for row in rows),
        "tracking_form": TrackingForm(
            initial={"track_opens_and_clicks": fan_out.is_tracking_on(publication)}
        ),
    }
    return render(request, "delivery/send_list.html", context)


@login_required
def send_progress(request, publication_slug, send_id):
    membership = get_membership(request.user, publication_slug, EDITORS)
    send = _send_for_staff(membership, send_id)
    return JsonResponse(_progress(send, queries.send_outcomes(send.id)))


ACTIONS = {
    "pause": (control.pause_send, "Paused. Batches being sent finish; nothing new goes out."),
    "resume": (control.resume_send, "Resumed."),
    "cancel": (control.cancel_send, "Cancelled. Emails not sent yet will not go out."),
}


@login_required
@require_POST
def send_action(request, publication_slug, send_id, action):
    membership = get_membership(request.user, publication_slug, MANAGERS)
    send = _send_for_staff(membership, send_id)
    if action not in ACTIONS:
        raise Http404("No such action.")
    change, note = ACTIONS[action]
    if change(send.id):
        messages.success(request, note)
    else:
        messages.error(
            request, f"This send is {send.get_state_display().lower()}; nothing changed."
        )
    return redirect("delivery:desk_sends", membership.publication.slug)


@login_required
@require_POST
def tracking_settings(request, publication_slug):
    membership = get_membership(request.user, publication_slug, MANAGERS)
    form = TrackingForm(request.POST)
    form.is_valid()  # a lone unticked checkbox is always valid
    is_on = form.cleaned_data["track_opens_and_clicks"]
    fan_out.set_tracking(membership.publication, is_on)
    messages.success(
        request,
        "New sends count opens and clicks." if is_on else "New sends count no opens or clicks.",
    )
    return redirect("delivery:desk_sends", membership.publication.slug)


@login_required
@require_POST
def post_test_send(request, publication_slug, post_id):
    """Send the post's email to the person editing it, with [Test] in the subject."""
    membership, post = get_post_for_editor(request.user, publication_slug, post_id)
    try:
        check_rate("test-send", str(request.user.id), TEST_SEND_LIMIT)
    except RateLimited as error:
        messages.error(request, str(error))
        return redirect("desk:post_edit", membership.publication.slug, post.id)
    fan_out.create_test_send(post, request.user.email)
    messages.success(request, f"A test email is on its way to {request.user.email}.")
    return redirect("desk:post_edit", membership.publication.slug, post.id)
