"""Sign in by email link, sign out, and the reader's account page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from masthead.accounts import services
from masthead.accounts.display import masked_address
from masthead.accounts.forms import EmailForm, ProfileForm
from masthead.accounts.link_pages import link_page
from masthead.accounts.tokens import BadToken
from masthead.billing.access import has_paid_access
from masthead.core.images import describe_size
from masthead.core.ratelimit import RateLimited, client_address
from masthead.core.redirects import next_path_of, safe_next_path
from masthead.discovery.feed_tokens import private_feed_url_for
from masthead.publications.links import publication_link
from masthead.publications.lookups import find_request_publication
from masthead.publications.rules import can_create_publication
from masthead.publications.sections import email_choices
from masthead.subscriptions.models import SubscriptionStatus
from masthead.subscriptions.queries import subscriptions_of


def sign_in(request):
    form = EmailForm(request.POST or None)
    next_url = next_path_of(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_sign_in(
                form.cleaned_data["email"],
                client_address(request),
                next_url,
                publication=find_request_publication(request),
            )
        except RateLimited as error:
            form.add_error(None, str(error))
            return render(
                request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=429
            )
        return render(request, "accounts/sign_in_sent.html", {"email": form.cleaned_data["email"]})
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_link(request, token):
    """GET shows one button and changes nothing (mail scanners open links); its POST signs in."""
    try:
        if request.method == "POST":
            person, next_url = services.use_sign_in_link(token)
        else:
            link = services.open_sign_in_link(token)
    except BadToken as error:
        return link_page(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    if request.method == "GET":
        context = {
            "link_publication": link.publication,
            "masked_email": masked_address(link.email),
        }
        return link_page(request, "accounts/sign_in_link.html", context)
    login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    # Checked again: links made before paths were checked this strictly may still be around.
    return HttpResponseRedirect(safe_next_path(next_url) or reverse("accounts:account"))


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("posts:home")


@login_required
def account(request):
    person = request.user
    initial = {"display_name": person.display_name, "bio": person.bio}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_profile(person, **form.cleaned_data)
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:account")
    subscriptions = subscriptions_of(person)
    for subscription in subscriptions:
        # Where the reader manages paid access they have (paying or granted), per publication.
        subscription.paid_page = (
            publication_link(subscription.publication, "billing:account")
            if has_paid_access(person, subscription.publication_id)
            else ""
        )
        # Readers with paid access get a private feed of the whole posts (and their audio).
        subscription.private_feed_url = (
            private_feed_url_for(person, subscription.publication) if subscription.paid_page else ""
        )
    # The sections each reader keeps and whether posts come weekly (subscriptions:email_choices).
    email_choices(
        [each for each in subscriptions if each.status != SubscriptionStatus.UNSUBSCRIBED]
    )
    context = {
        "form": form,
        "subscriptions": subscriptions,
        "can_create_publication": can_create_publication(person),
        "max_upload": describe_size(settings.MAX_IMAGE_UPLOAD_BYTES),
    }
    return render(request, "accounts/account.html", context, status=400 if form.errors else 200)


@login_required
def delete_account(request):
    if request.method == "POST":
        if request.POST.get("confirm") != "delete":
            messages.error(request, "Tick the box to confirm that you want to delete your account.")
            return redirect("accounts:delete")
        try:
            services.delete_account(request.user)
        except services.AccountDeletionRefused as error:
            messages.error(request, str(error))
            return redirect("accounts:account")
        logout(request)
        return render(request, "accounts/deleted.html")
    return render(request, "accounts/delete.html")
