"""The desk's front door: your publications, a new publication, the team."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from masthead.accounts.display import masked_address
from masthead.accounts.link_pages import link_page
from masthead.accounts.tokens import BadToken
from masthead.core.images import describe_size
from masthead.core.ratelimit import RateLimited, client_address
from masthead.desk.forms import InvitationForm, PublicationForm, PublicationSettingsForm
from masthead.desk.lookups import MANAGERS, get_membership, publications_of
from masthead.desk.queries import dashboard_counts
from masthead.publications import services
from masthead.publications.rules import can_create_publication


@login_required
def desk_home(request):
    publications = list(publications_of(request.user))
    if len(publications) == 1:
        return redirect("desk:dashboard", publications[0].slug)
    context = {
        "publications": publications,
        "can_create_publication": can_create_publication(request.user),
    }
    return render(request, "desk/home.html", context)


@login_required
def publication_create(request):
    if not can_create_publication(request.user):
        context = {"creators": settings.PUBLICATION_CREATORS}
        return render(request, "desk/publication_create_refused.html", context, status=403)
    form = PublicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.start_publication(
                request.user,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                tagline=form.cleaned_data["tagline"],
            )
        except services.PublicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{publication.name} is ready. Write your first post.")
            return redirect("desk:dashboard", publication.slug)
    status = 400 if form.errors else 200
    return render(request, "desk/publication_create.html", {"form": form}, status=status)


@login_required
def dashboard(request, publication_slug):
    membership = get_membership(request.user, publication_slug)
    publication = membership.publication
    return render(
        request,
        "desk/dashboard.html",
        {
            "desk_publication": publication,
            "membership": membership,
            "counts": dashboard_counts(publication),
        },
    )


@login_required
def publication_settings(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    initial = {
        "name": publication.name,
        "tagline": publication.tagline,
        "about": publication.about_markdown,
        "comment_policy": publication.comment_policy,
        "time_zone": publication.time_zone,
        "accent_color": publication.accent_color,
        "accent_color_picker": publication.accent_color,
        "postal_address": publication.postal_address,
        "is_hidden_from_search_engines": publication.is_hidden_from_search_engines,
    }
    form = PublicationSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_publication_settings(publication, **form.cleaned_data)
        except services.PublicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Settings saved.")
            return redirect("desk:settings", publication.slug)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "form": form,
        "max_upload": describe_size(settings.MAX_IMAGE_UPLOAD_BYTES),
        "has_lost_files": bool(form.errors and request.FILES),
    }
    return render(request, "desk/settings.html", context, status=400 if form.errors else 200)


@login_required
def team(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(
                publication, request.user, form.cleaned_data["email"], form.cleaned_data["role"]
            )
        except services.PublicationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("desk:team", publication.slug)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "members": publication.memberships.select_related("person").order_by("created_at"),
        "invitations": publication.invitations.filter(accepted_at__isnull=True).order_by(
            "-created_at"
        ),
        "form": form,
    }
    return render(request, "desk/team.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    """GET shows the invitation and changes nothing (mail scanners open links). Its POST joins
    the team as the signed-in invited person, or emails that address a sign-in link that comes
    back here: the two-week invitation link never signs anyone in itself."""
    try:
        invitation = services.open_invitation(token)
    except BadToken as error:
        return link_page(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    is_invited = services.is_invited_person(invitation, request.user)
    error = ""
    if request.method == "POST" and is_invited:
        try:
            membership = services.accept_invitation(token, request.user)
        except BadToken as refusal:
            return link_page(
                request, "accounts/link_error.html", {"error": str(refusal)}, status=400
            )
        messages.success(request, f"Welcome to the team of {membership.publication.name}.")
        return redirect("desk:dashboard", membership.publication.slug)
    if request.method == "POST":
        try:
            services.email_invitation_sign_in(token, client_address(request))
        except RateLimited as refusal:
            error = str(refusal)
        else:
            context = {"email": masked_address(invitation.email)}
            return link_page(request, "accounts/sign_in_sent.html", context)
    context = {
        "invitation": invitation,
        "masked_email": masked_address(invitation.email),
        "is_invited": is_invited,
        "error": error,
    }
    return link_page(request, "desk/invitation.html", context, status=429 if error else 200)
