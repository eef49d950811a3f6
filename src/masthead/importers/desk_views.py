"""The desk's imports from other platforms: upload, progress, report. Owners and admins only."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from masthead.core.requests import declared_length
from masthead.desk.lookups import MANAGERS, get_membership
from masthead.importers import reports, runs
from masthead.importers.forms import PlatformImportForm
from masthead.importers.models import ImportRun, RunState
from masthead.importers.source import ExportError

UPLOAD_ENVELOPE_BYTES = 1024 * 1024
RECENT_RUNS = 10


def get_run_for_manager(person, publication_slug: str, run_id: int):
    membership = get_membership(person, publication_slug, roles=MANAGERS)
    run = ImportRun.objects.filter(id=run_id, publication=membership.publication).first()
    if run is None:
        raise Http404("No such import.")
    return membership, run


@csrf_exempt  # checked by csrf_protect below, after the size check that must not read the body
@login_required
def import_start(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    too_large = declared_length(request) > settings.IMPORT_MAX_UPLOAD_BYTES + UPLOAD_ENVELOPE_BYTES
    if request.method == "POST" and too_large:
        form = PlatformImportForm.refused(
            f"The upload is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // 1024**3} GB. "
            "Import it from the server instead: masthead import SOURCE FILE --publication "
            f"{membership.publication.slug}"
        )
        return _render_start(request, membership, form, status=413)
    return _import_start(request, membership)


@csrf_protect
def _import_start(request, membership):
    publication = membership.publication
    if request.method == "POST":
        form = PlatformImportForm(request.POST, request.FILES)
    else:
        form = PlatformImportForm()
    if form.is_bound and form.is_valid():
        uploads = form.uploads()
        try:
            paths = runs.store_files((upload.name, upload.chunks()) for upload in uploads)
        except ExportError as error:
            form.add_error("export", str(error))
        else:
            try:
                run = runs.start_import(
                    publication,
                    request.user,
                    form.cleaned_data["source"],
                    paths,
                    [upload.name for upload in uploads],
                )
            except runs.ImportStateError as error:
                runs.delete_stored_files(paths)
                form.add_error(None, str(error))
            else:
                return redirect("desk:importers:run", publication.slug, run.id)
    status = 400 if form.errors else 200
    return _render_start(request, membership, form, status=status)


def _render_start(request, membership, form, status):
    recent = ImportRun.objects.filter(publication=membership.publication).order_by(
        "-created_at", "-id"
    )[:RECENT_RUNS]
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "form": form,
        "recent_runs": recent,
        "max_gigabytes": settings.IMPORT_MAX_UPLOAD_BYTES // 1024**3,
    }
    return render(request, "importers/desk_import_start.html", context, status=status)


@login_required
def import_run(request, publication_slug, run_id):
    membership, run = get_run_for_manager(request.user, publication_slug, run_id)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "run": run,
        "stripe_advice": reports.STRIPE_ADVICE
        if run.state == RunState.DONE and reports.has_paid_readers(run)
        else "",
        "report": reports.report_page(run, request.GET.get("page")) if not run.is_running else None,
        "phases": reports.phase_rows(run),
    }
    return render(request, "importers/desk_import_run.html", context)


@login_required
def import_report(request, publication_slug, run_id):
    _membership, run = get_run_for_manager(request.user, publication_slug, run_id)
    response = StreamingHttpResponse(
        reports.report_csv_lines(run), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{run.id}-report.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_resume(request, publication_slug, run_id):
    _membership, run = get_run_for_manager(request.user, publication_slug, run_id)
    try:
        runs.resume_import(run)
    except runs.ImportStateError as error:
        messages.info(request, str(error))
    return redirect("desk:importers:run", publication_slug, run.id)
