"""The desk's Export page: an owner asks for the archive, watches it being written, downloads it.

Owners only: the archive holds every subscriber's address and every Stripe id.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from masthead.importers.archive import runs
from masthead.importers.models import RunState


@login_required
@require_http_methods(["GET", "POST"])
def export_page(request, publication_slug):
    membership = runs.get_publication_for_owner(request.user, publication_slug)
    if request.method == "POST":
        run = runs.start_export(membership.publication, request.user)
        return redirect("desk:export:run", publication_slug, run.id)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "exports": runs.recent_exports(membership.publication),
    }
    return render(request, "importers/export_page.html", context)


@login_required
def export_run(request, publication_slug, run_id):
    membership, run = runs.get_export_run_for_owner(request.user, publication_slug, run_id)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "run": run,
        "is_running": run.state in (RunState.QUEUED, RunState.RUNNING),
    }
    return render(request, "importers/export_run.html", context)


@login_required
def export_download(request, publication_slug, run_id):
    _membership, run = runs.get_export_run_for_owner(request.user, publication_slug, run_id)
    path = runs.archive_path(run)
    if run.state != RunState.DONE or not run.stored_path or not path.is_file():
        raise Http404("This archive is not ready, or was removed.")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{publication_slug}-{run.created_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response
