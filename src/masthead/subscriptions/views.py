"""Subscribe, confirm, unsubscribe (RFC 8058 one-click) and resubscribe."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from masthead.accounts.tokens import BadToken
from masthead.core.addresses import readable_address
from masthead.core.ratelimit import RateLimited, client_address
from masthead.publications.lookups import get_request_publication
from masthead.subscriptions import services
from masthead.subscriptions.forms import SubscribeForm
from masthead.subscriptions.middleware import referral_code_of

OUTCOME_MESSAGES = {
    services.SubscribeOutcome.CONFIRMATION_SENT: (
        "Almost there: we sent a confirmation link to {email}. Click it to start your subscription."
    ),
    services.SubscribeOutcome.CONFIRMATION_RECENTLY_SENT: (
        "We sent a confirmation link to {email} a moment ago. Check your inbox (and spam folder); "
        "you can ask for another in a few minutes."
    ),
    services.SubscribeOutcome.ALREADY_SUBSCRIBED: (
        "{email} is already subscribed. Thank you for reading!"
    ),
}


def subscribe(request):
    publication = get_request_publication(request)
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            outcome = services.subscribe(
                publication,
                email,
                client=client_address(request),
                referral_code=referral_code_of(request),
            )
        except RateLimited as error:
            form.add_error(None, str(error))
            return render(request, "subscriptions/subscribe.html", {"form": form}, status=429)
        message = OUTCOME_MESSAGES[outcome].format(email=readable_address(email))
        return render(request, "subscriptions/subscribe_done.html", {"message": message})
    status = 400 if request.method == "POST" else 200
    return render(request, "subscriptions/subscribe.html", {"form": form}, status=status)


def confirm(request, token):
    get_request_publication(request)
    try:
        subscription = services.confirm_subscription(token)
    except BadToken as error:
        return render(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    login(request, subscription.person, backend="django.contrib.auth.backends.ModelBackend")
    return render(request, "subscriptions/confirmed.html", {"subscription": subscription})


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
