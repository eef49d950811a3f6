"""The desk's automations pages: the overview with the schedule and results, writing an email,
and the weekly digest's settings. Owners and admins only (lookups)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from masthead.automations import digest, queries, services
from masthead.automations.forms import AutomationEmailForm, DigestSettingsForm, MoveForm
from masthead.automations.lookups import get_automations_membership, get_email_for_manager
from masthead.automations.models import TRIGGER_LABELS, AutomationKind
from masthead.automations.rendering import email_body_html
from masthead.core.time_zones import zone_of


@login_required
@require_http_methods(["GET"])
def overview(request, publication_slug):
    membership = get_automations_membership(request.user, publication_slug)
    publication = membership.publication
    emails = queries.emails_of(publication)
    results = queries.results_by_email(publication)
    schedule = queries.schedule_preview(emails)
    groups = [
        {
            "kind": kind,
            "label": label,
            "trigger": TRIGGER_LABELS[kind],
            "steps": schedule[kind],
            "rows": [
                {"email": email, "results": results.get(email.id, queries.EmailResults())}
                for email in emails
                if email.kind == kind
            ],
        }
        for kind, label in AutomationKind.choices
    ]
    digest_settings = digest.digest_settings_of(publication)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "groups": groups,
        "digest_form": DigestSettingsForm(
            initial={
                "is_on": digest_settings.is_on,
                "weekday": digest_settings.weekday,
                "hour": digest_settings.hour,
            }
        ),
        "digest_runs": queries.digest_runs(publication),
        "time_zone": zone_of(publication).key,
    }
    return render(request, "automations/overview.html", context)


def _edit_page(request, membership, form, email=None, preview=None, status=200):
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "form": form,
        "email": email,
        "preview": preview,
        "results": queries.results_by_email(membership.publication).get(email.id)
        if email
        else None,
    }
    return render(request, "automations/email_edit.html", context, status=status)


def _preview(form) -> dict:
    data = form.cleaned_data
    return {
        "subject": data["subject"],
        "preview_text": data["preview_text"],
        "body_html": email_body_html(data["body_markdown"]),
    }


def _fields(form) -> dict:
    data = form.cleaned_data
    return {
        name: data[name]
        for name in ("subject", "preview_text", "delay_days", "body_markdown", "is_active")
    }


@login_required
@require_http_methods(["GET", "POST"])
def email_new(request, publication_slug):
    membership = get_automations_membership(request.user, publication_slug)
    if request.method == "GET":
        kind = request.GET.get("kind", "")
        initial = {"kind": kind if kind in AutomationKind.values else AutomationKind.WELCOME}
        return _edit_page(request, membership, AutomationEmailForm(initial=initial))
    form = AutomationEmailForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, membership, form, status=400)
    if request.POST.get("action") == "preview":
        return _edit_page(request, membership, form, preview=_preview(form))
    email = services.create_email(
        membership.publication, kind=form.cleaned_data["kind"], **_fields(form)
    )
    messages.success(request, f"“{email.subject}” saved.")
    return redirect("desk:automations:edit", membership.publication.slug, email.id)


@login_required
@require_http_methods(["GET", "POST"])
def email_edit(request, publication_slug, email_id):
    membership, email = get_email_for_manager(request.user, publication_slug, email_id)
    if request.method == "GET":
        initial = {
            "subject": email.subject,
            "preview_text": email.preview_text,
            "delay_days": email.delay_days,
            "body_markdown": email.body_markdown,
            "is_active": email.is_active,
        }
        form = AutomationEmailForm(initial=initial, is_new=False)
        preview = {
            "subject": email.subject,
            "preview_text": email.preview_text,
            "body_html": email.body_html,
        }
        return _edit_page(request, membership, form, email, preview)
    form = AutomationEmailForm(request.POST, is_new=False)
    if not form.is_valid():
        return _edit_page(request, membership, form, email, status=400)
    if request.POST.get("action") == "preview":
        return _edit_page(request, membership, form, email, preview=_preview(form))
    services.update_email(email, **_fields(form))
    messages.success(request, f"“{email.subject}” saved.")
    return redirect("desk:automations:edit", membership.publication.slug, email.id)


@login_required
@require_POST
def email_delete(request, publication_slug, email_id):
    membership, email = get_email_for_manager(request.user, publication_slug, email_id)
    services.delete_email(email)
    messages.success(request, f"“{email.subject}” deleted.")
    return redirect("desk:automations:overview", membership.publication.slug)


@login_required
@require_POST
def email_move(request, publication_slug, email_id):
    membership, email = get_email_for_manager(request.user, publication_slug, email_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Move it earlier or later.")
    elif not services.move_email(email, form.cleaned_data["direction"]):
        messages.error(request, "It is already at that end.")
    return redirect("desk:automations:overview", membership.publication.slug)


@login_required
@require_POST
def email_toggle(request, publication_slug, email_id):
    membership, email = get_email_for_manager(request.user, publication_slug, email_id)
    email = services.set_email_active(email, not email.is_active)
    state = "on" if email.is_active else "off"
    messages.success(request, f"“{email.subject}” is {state}.")
    return redirect("desk:automations:overview", membership.publication.slug)


@login_required
@require_POST
def digest_settings(request, publication_slug):
    membership = get_automations_membership(request.user, publication_slug)
    form = DigestSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a day of the week and an hour between 00:00 and 23:00.")
        return redirect("desk:automations:overview", membership.publication.slug)
    digest.save_digest_settings(membership.publication, **form.cleaned_data)
    messages.success(request, "Digest settings saved.")
    return redirect("desk:automations:overview", membership.publication.slug)
