"""Webhooks in the desk: owners and admins add endpoints, pause or delete them, send a test
event and read each delivery's attempts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from masthead.desk.lookups import MANAGERS, get_membership
from masthead.outbox import queries, services
from masthead.outbox.events import EVENT_TYPES
from masthead.outbox.forms import EndpointForm
from masthead.outbox.models import WebhookEndpoint


def get_endpoint_for_manager(person, publication_slug: str, endpoint_id: int):
    membership = get_membership(person, publication_slug, roles=MANAGERS)
    endpoint = WebhookEndpoint.objects.filter(
        id=endpoint_id, publication=membership.publication
    ).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return membership, endpoint


@login_required
def desk_endpoints(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    form = EndpointForm(request.POST or None)
    context = {"desk_publication": publication, "membership": membership, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_endpoint(
                publication, form.cleaned_data["url"], form.cleaned_data["event_types"]
            )
        except services.WebhookError as error:
            form.add_error(error.field, str(error))
        else:
            # The secret is shown on this answer only; afterwards the desk shows its end.
            return render(
                request, "outbox/desk_endpoint_created.html", {**context, "endpoint": endpoint}
            )
    context["endpoints"] = queries.endpoints_of(publication)
    context["event_types"] = EVENT_TYPES
    return render(
        request, "outbox/desk_endpoints.html", context, status=400 if form.errors else 200
    )


@login_required
def desk_endpoint_detail(request, publication_slug, endpoint_id):
    membership, endpoint = get_endpoint_for_manager(request.user, publication_slug, endpoint_id)
    return render(
        request,
        "outbox/desk_endpoint_detail.html",
        {
            "desk_publication": membership.publication,
            "membership": membership,
            "endpoint": endpoint,
            "deliveries": queries.recent_deliveries(endpoint),
        },
    )


@login_required
@require_POST
def desk_endpoint_toggle(request, publication_slug, endpoint_id):
    _membership, endpoint = get_endpoint_for_manager(request.user, publication_slug, endpoint_id)
    services.set_endpoint_active(endpoint, not endpoint.is_active)
    messages.success(request, f"{endpoint.url} is {'enabled' if endpoint.is_active else 'paused'}.")
    return redirect("desk:outbox:desk_endpoint_detail", publication_slug, endpoint.id)


@login_required
@require_POST
def desk_endpoint_delete(request, publication_slug, endpoint_id):
    _membership, endpoint = get_endpoint_for_manager(request.user, publication_slug, endpoint_id)
    services.delete_endpoint(endpoint)
    messages.success(request, f"{endpoint.url} was deleted; nothing more is sent to it.")
    return redirect("desk:outbox:desk_endpoints", publication_slug)


@login_required
@require_POST
def desk_endpoint_test(request, publication_slug, endpoint_id):
    _membership, endpoint = get_endpoint_for_manager(request.user, publication_slug, endpoint_id)
    services.send_test_event(endpoint)
    messages.success(request, "A test event is on its way; its delivery appears below.")
    return redirect("desk:outbox:desk_endpoint_detail", publication_slug, endpoint.id)
