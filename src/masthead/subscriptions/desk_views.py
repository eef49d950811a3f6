"""The desk's subscriber pages: the list, its CSV export, and CSV imports with preview and progress.

Only the publication's owners and admins may use them.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from masthead.billing.plans import is_paid_available
from masthead.core.requests import declared_length
from masthead.desk.lookups import MANAGERS, get_membership
from masthead.subscriptions import desk_queries, exporting, importing
from masthead.subscriptions.desk_forms import SubscriberFilterForm, SubscriberImportForm
from masthead.subscriptions.import_models import ImportState, ProblemKind

# Room for the multipart envelope around a file of the largest size allowed.
UPLOAD_ENVELOPE_BYTES = 1024 * 1024


def _csv_response(lines, file_name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def subscriber_list(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    is_paid_on = is_paid_available(publication)
    form = SubscriberFilterForm(request.GET, is_paid_available=is_paid_on)
    filters, notes = form.filters()
    listing = desk_queries.subscriber_listing(
        publication, filters, request.GET.get("page"), with_paid=is_paid_on
    )
    context = {
        "desk_publication": publication,
        "membership": membership,
        "is_paid_on": is_paid_on,
        "form": form,
        "filters": filters,
        "notes": notes,
        "page": listing.page,
        "counts": listing.counts,
    }
    return render(request, "subscriptions/desk_subscriber_list.html", context)


@login_required
def subscriber_export(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    is_paid_on = is_paid_available(publication)
    form = SubscriberFilterForm(request.GET, is_paid_available=is_paid_on)
    filters, _notes = form.filters()
    now = timezone.now()
    subscriptions = desk_queries.filtered_subscriptions(publication, filters, now)
    if is_paid_on:
        lines = exporting.paid_subscriber_csv_lines(subscriptions, now)
    else:
        lines = exporting.subscriber_csv_lines(subscriptions)
    today = timezone.localdate().isoformat()
    return _csv_response(lines, f"{publication.slug}-subscribers-{today}.csv")


@csrf_exempt  # checked by csrf_protect below, after the size check that must not read the body
@login_required
def subscriber_import(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    too_large = (
        declared_length(request) > settings.SUBSCRIBER_IMPORT_MAX_BYTES + UPLOAD_ENVELOPE_BYTES
    )
    if request.method == "POST" and too_large:
        form = SubscriberImportForm.refused(importing.too_large_message())
        return _render_import(request, membership, form, status=413)
    return _subscriber_import(request, membership)


@csrf_protect
def _subscriber_import(request, membership):
    publication = membership.publication
    if request.method == "POST":
        form = SubscriberImportForm(request.POST, request.FILES)
    else:
        form = SubscriberImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importing.prepare_import(
                publication, request.user, upload.chunks(), upload.name, size=upload.size
            )
        except importing.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("desk:subscriber_import_preview", publication.slug, job.id)
    return _render_import(request, membership, form, status=400 if form.errors else 200)


def _render_import(request, membership, form, status):
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "form": form,
        "max_megabytes": settings.SUBSCRIBER_IMPORT_MAX_BYTES // (1024 * 1024),
        "recent_imports": desk_queries.recent_imports(membership.publication),
    }
    return render(request, "subscriptions/desk_subscriber_import.html", context, status=status)


@login_required
def subscriber_import_preview(request, publication_slug, job_id):
    membership, job = desk_queries.get_import_job_for_manager(
        request.user, publication_slug, job_id
    )
    if job.state != ImportState.PREVIEW:
        return redirect("desk:subscriber_import_job", publication_slug, job.id)
    problems = job.preview_problems
    sections = [
        (kind, label, count, problems.get(kind, []))
        for kind, label, count in (
            (ProblemKind.INVALID, "Invalid rows", job.invalid_count),
            (ProblemKind.DUPLICATE, "Duplicates within the file", job.duplicate_count),
            (ProblemKind.EXISTING, "Already on your list", job.existing_count),
            (ProblemKind.EXCLUDED, "Left out because of their status", job.excluded_count),
        )
        if count
    ]
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "job": job,
        "sections": sections,
        "mapping": importing.describe_mapping(job.mapping),
        "subscribed_count": job.new_count - job.unsubscribed_count,
    }
    return render(request, "subscriptions/desk_subscriber_import_preview.html", context)


@login_required
@require_POST
def subscriber_import_confirm(request, publication_slug, job_id):
    _membership, job = desk_queries.get_import_job_for_manager(
        request.user, publication_slug, job_id
    )
    try:
        importing.confirm_import(job)
    except importing.ImportStateError as error:
        messages.info(request, str(error))
    return redirect("desk:subscriber_import_job", publication_slug, job.id)


@login_required
@require_POST
def subscriber_import_cancel(request, publication_slug, job_id):
    _membership, job = desk_queries.get_import_job_for_manager(
        request.user, publication_slug, job_id
    )
    try:
        importing.cancel_import(job)
    except importing.ImportStateError as error:
        messages.info(request, str(error))
        return redirect("desk:subscriber_import_job", publication_slug, job.id)
    messages.success(request, "Import cancelled; nothing was imported.")
    return redirect("desk:subscriber_import", publication_slug)


@login_required
@require_POST
def subscriber_import_resume(request, publication_slug, job_id):
    _membership, job = desk_queries.get_import_job_for_manager(
        request.user, publication_slug, job_id
    )
    try:
        importing.resume_import(job)
    except importing.ImportStateError as error:
        messages.info(request, str(error))
    return redirect("desk:subscriber_import_job", publication_slug, job.id)


@login_required
def subscriber_import_job(request, publication_slug, job_id):
    membership, job = desk_queries.get_import_job_for_manager(
        request.user, publication_slug, job_id
    )
    if job.state == ImportState.PREVIEW:
        return redirect("desk:subscriber_import_preview", publication_slug, job.id)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "job": job,
        "report": desk_queries.import_report_page(job, request.GET.get("page"))
        if job.state in (ImportState.DONE, ImportState.FAILED)
        else None,
    }
    return render(request, "subscriptions/desk_subscriber_import_job.html", context)


@login_required
def subscriber_import_report(request, publication_slug, job_id):
    _membership, job = desk_queries.get_import_job_for_manager(
        request.user, publication_slug, job_id
    )
    return _csv_response(
        exporting.import_report_csv_lines(job),
        f"{publication_slug}-import-{job.id}-skipped-rows.csv",
    )
