"""The desk's front door: your publications, a new publication, the team."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from masthead.accounts.tokens import BadToken
from masthead.desk.forms import InvitationForm, PublicationForm, PublicationSettingsForm
from masthead.desk.lookups import MANAGERS, get_membership, publications_of
from masthead.desk.queries import dashboard_counts
from masthead.publications import services


@login_required
def desk_home(request):
    publications = list(publications_of(request.user))
    if len(publications) == 1:
        return redirect("desk:dashboard", publications[0].slug)
    return render(request, "desk/home.html", {"publications": publications})


@login_required
def publication_create(request):
    form = PublicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.create_publication(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                tagline=form.cleaned_data["tagline"],
                owner_email=request.user.email,
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
    }
    form = PublicationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_publication_settings(publication, **form.cleaned_data)
        except services.PublicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Settings saved.")
            return redirect("desk:settings", publication.slug)
    context = {"desk_publication": publication, "membership": membership, "form": form}
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


def accept_invitation(request, token):
    try:
        membership = services.accept_invitation(token)
    except BadToken as error:
        return render(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    login(request, membership.person, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Welcome to the team of {membership.publication.name}.")
    return redirect("desk:dashboard", membership.publication.slug)
