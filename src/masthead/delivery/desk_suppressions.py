"""The desk's suppressions page: who gets no newsletters from this publication, and why."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from masthead.delivery import bounces
from masthead.delivery.models import SuppressionReason
from masthead.desk.lookups import MANAGERS, get_membership

PAGE_SIZE = 50


@require_http_methods(["GET"])
def desk_suppressions(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    # No address holds a NUL, and PostgreSQL refuses one in a query: search for the rest.
    search = request.GET.get("q", "").replace("\x00", "")[:254]
    page = Paginator(bounces.suppressions_for(publication, search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "desk_publication": publication,
        "membership": membership,
        "page": page,
        "search": search,
        "manual": SuppressionReason.MANUAL,
    }
    return render(request, "delivery/suppressions.html", context)


@require_POST
def desk_remove_suppression(request, publication_slug, suppression_id):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    if bounces.remove_suppression(membership.publication, suppression_id):
        messages.success(request, "The address will get newsletters again.")
    else:
        messages.error(
            request, "Only addresses this publication suppressed by hand can be removed."
        )
    return redirect("bounces:desk_suppressions", membership.publication.slug)
