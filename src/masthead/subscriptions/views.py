"""Subscribe, confirm, unsubscribe (RFC 8058 one-click) and resubscribe; leave or rejoin one
section from a newsletter's footer; the email choices of the account page."""

import contextlib

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from masthead.accounts.display import masked_address
from masthead.accounts.link_pages import link_page
from masthead.accounts.tokens import BadToken
from masthead.billing import plans, reader_views
from masthead.core.addresses import readable_address
from masthead.core.ratelimit import RateLimited, client_address
from masthead.posts.queries import get_published_post
from masthead.publications import sections
from masthead.publications.lookups import get_request_publication
from masthead.publications.models import Section
from masthead.publications.section_forms import EmailChoicesForm
from masthead.subscriptions import services
from masthead.subscriptions.forms import SubscribeForm
from masthead.subscriptions.middleware import landing_utm_of, referral_code_of

# One answer for every address, whatever its state (new, waiting, just sent, already
# subscribed), so that the form tells nobody who subscribes; the email says the rest.
SUBSCRIBE_DONE_MESSAGE = (
    "Almost there: we sent a confirmation link to {email}. Click it to start your subscription. "
    "If this address is already subscribed, the email says so instead. Nothing after a few "
    "minutes? Check your spam folder, or ask again a little later."
)


def subscribe(request):
    publication = get_request_publication(request)
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.subscribe(
                publication,
                email,
                client=client_address(request),
                referral_code=referral_code_of(request),
                attribution=_attribution_of(request, publication, form.cleaned_data["post"]),
            )
        except RateLimited as error:
            form.add_error(None, str(error))
            return _subscribe_page(request, publication, form, status=429)
        message = SUBSCRIBE_DONE_MESSAGE.format(email=readable_address(email))
        return render(request, "subscriptions/subscribe_done.html", {"message": message})
    status = 400 if request.method == "POST" else 200
    return _subscribe_page(request, publication, form, status=status)


def _attribution_of(request, publication, post_slug: str) -> services.Attribution:
    """The landing page's UTM parameters and the post the form was on (this publication's
    published posts only; an unknown slug is ignored)."""
    post_id = None
    if post_slug:
        with contextlib.suppress(Http404):
            post_id = get_published_post(publication, post_slug).id
    return services.Attribution(**landing_utm_of(request, publication), post_id=post_id)


def _subscribe_page(request, publication, form, *, status: int):
    """The free form alone, or beside the paid plans when this publication's readers can pay."""
    if plans.is_paid_available(publication):
        return reader_views.plans_page(request, publication, form, status=status)
    return render(request, "subscriptions/subscribe.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows one button and changes nothing (mail scanners open links); its POST confirms,
    and signs in when the link still may (services.confirm_subscription)."""
    get_request_publication(request)
    try:
        if request.method == "GET":
            subscription = services.open_confirmation(token)
        else:
            confirmation = services.confirm_subscription(
                token, sign_in=not request.user.is_authenticated
            )
    except BadToken as error:
        return link_page(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    if request.method == "GET":
        context = {
            "subscription": subscription,
            "masked_email": masked_address(subscription.person.email),
        }
        return link_page(request, "subscriptions/confirm.html", context)
    subscription = confirmation.subscription
    if confirmation.signs_in:
        login(request, subscription.person, backend="django.contrib.auth.backends.ModelBackend")
    context = {
        "subscription": subscription,
        "masked_email": masked_address(subscription.person.email),
        "was_confirmed_before": confirmation.was_confirmed_before,
        "is_signed_in_as_subscriber": request.user.is_authenticated
        and request.user.pk == subscription.person_id,
    }
    return link_page(request, "subscriptions/confirmed.html", context)


@csrf_exempt  # RFC 8058: mail providers POST here with no session and no CSRF token
def unsubscribe(request, token):
    try:
        subscription = services.subscription_for_unsubscribe(token)
    except BadToken as error:
        return render(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    if request.method == "POST":
        services.unsubscribe(subscription)
        return render(
            request,
            "subscriptions/unsubscribed.html",
            {"subscription": subscription, "token": token},
        )
    return render(
        request,
        "subscriptions/unsubscribe_confirm.html",
        {"subscription": subscription, "token": token},
    )


@require_POST
def resubscribe(request, token):
    try:
        subscription = services.subscription_for_unsubscribe(token)
    except BadToken as error:
        return render(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    services.resubscribe(subscription)
    messages.success(request, f"You are subscribed to {subscription.publication.name} again.")
    return render(request, "subscriptions/resubscribed.html", {"subscription": subscription})


@login_required
@require_POST
def unsubscribe_from_account(request, subscription_id):
    subscription = get_object_or_404(request.user.subscriptions, id=subscription_id)
    services.unsubscribe(subscription)
    messages.success(request, f"You are unsubscribed from {subscription.publication.name}.")
    return redirect("accounts:account")


def _subscription_and_section(request, token: str, section_id: int):
    """The subscription a footer link's token names and one section of its publication; any
    other section, or a link opened on another publication's site, is a BadToken."""
    subscription = services.subscription_for_unsubscribe(token)
    publication = getattr(request, "publication", None)
    if publication is not None and publication.id != subscription.publication_id:
        raise BadToken("This link belongs to another publication.")
    section = Section.objects.filter(
        id=section_id, publication_id=subscription.publication_id
    ).first()
    if section is None:
        raise BadToken("This section no longer exists.")
    return subscription, section


@require_http_methods(["GET", "POST"])
def leave_section(request, token, section_id):
    """GET shows one button and changes nothing (mail scanners open links); POST records that
    the reader leaves the section (twice is the same as once)."""
    try:
        subscription, section = _subscription_and_section(request, token, section_id)
    except BadToken as error:
        return render(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    context = {"subscription": subscription, "section": section, "token": token}
    if request.method == "POST":
        sections.leave_section(subscription, section)
        return render(request, "subscriptions/section_left.html", context)
    context["has_left"] = section.id in sections.left_section_ids(subscription)
    return render(request, "subscriptions/section_leave_confirm.html", context)


@require_POST
def rejoin_section(request, token, section_id):
    """The undo button of the page above."""
    try:
        subscription, section = _subscription_and_section(request, token, section_id)
    except BadToken as error:
        return render(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    sections.rejoin_section(subscription, section)
    context = {"subscription": subscription, "section": section, "token": token}
    return render(request, "subscriptions/section_rejoined.html", context)


@login_required
@require_POST
def email_choices(request, subscription_id):
    """The account page's form for one publication: sections kept, and each post or weekly."""
    subscription = get_object_or_404(request.user.subscriptions, id=subscription_id)
    form = EmailChoicesForm(request.POST, publication_id=subscription.publication_id)
    if not form.is_valid():
        context = {"subscription": subscription, "form": form}
        return render(request, "subscriptions/section_choices_invalid.html", context, status=400)
    sections.set_email_choices(
        subscription,
        received_sections=form.cleaned_data["sections"],
        gets_weekly_digest=form.cleaned_data["frequency"] == "weekly",
    )
    messages.success(request, f"Your email choices for {subscription.publication.name} are saved.")
    return redirect("accounts:account")
