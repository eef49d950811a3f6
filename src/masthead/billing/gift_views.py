"""The reader's gift and group pages: buy a gift, see the gifts one gave, redeem one; buy a
group, hand out and take back its seats, claim one. Each parses a form and calls one service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from masthead.accounts.link_pages import link_page
from masthead.accounts.services import get_or_create_person
from masthead.accounts.tokens import BadToken
from masthead.billing import checkout, gateway, gifts, groups, plans
from masthead.billing.checkout import CheckoutRefused
from masthead.billing.gift_forms import GiftForm, GroupForm, SeatForm
from masthead.billing.gift_models import Group
from masthead.core.templatetags.masthead import short_date
from masthead.publications.lookups import get_request_publication

SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _paid_publication(request):
    """The request's publication while readers can pay for it; otherwise these pages are not."""
    publication = get_request_publication(request)
    if not plans.is_paid_available(publication):
        raise Http404("Paid subscriptions are not offered here.")
    return publication


def _card_page(request, template: str, context: dict, status: int):
    """A page with a card form: a fresh SetupIntent for Stripe.js, and a policy that lets the
    page load Stripe.js, talk to Stripe and show its frames."""
    try:
        context["client_secret"] = checkout.start_card_setup(request.user)
    except gateway.PaymentsUnavailable as error:
        context["unavailable"] = str(error)
        status = 503
    context["stripe_js"] = gateway.js_url()
    context["publishable_key"] = settings.STRIPE_PUBLISHABLE_KEY
    response = render(request, template, context, status=status)
    origins = gateway.origins()
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    for directive in ("script-src", "connect-src", "frame-src"):
        policy[directive] = [*policy.get(directive, ["'self'"]), *origins]
    response._csp_config = policy  # what django.views.decorators.csp.csp_override sets
    return response


def _price(publication) -> str:
    """The yearly price, as the reader reads it: 80.00 USD."""
    plan = gifts.gift_plan(publication)
    return f"{plan.amount / 100:,.2f} {plan.currency.upper()}" if plan else ""


def _try(form, call):
    """Run a service; a refusal or an unreachable Stripe becomes the form's error."""
    try:
        return call(), 200
    except CheckoutRefused as error:
        form.add_error(None, str(error))
        return None, 400
    except gateway.PaymentsUnavailable as error:
        form.add_error(None, str(error))
        return None, 503


@login_required
@require_http_methods(["GET", "POST"])
def gift_buy(request):
    publication = _paid_publication(request)
    form = GiftForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            gift, status = _try(
                form,
                lambda: gifts.buy_gift(
                    request.user,
                    publication,
                    recipient_email=data["recipient_email"],
                    message=data["message"],
                    deliver_at=form.deliver_at(),
                    setup_intent_id=data["setup_intent"],
                ),
            )
            if gift is not None:
                messages.success(request, f"Your gift to {gift.recipient_email} is paid.")
                return redirect("billing:gift_list")
    context = {"form": form, "price": _price(publication), "months": gifts.GIFT_MONTHS}
    return _card_page(request, "billing/gift_buy.html", context, status)


@login_required
def gift_list(request):
    publication = get_request_publication(request)
    context = {
        "gifts": gifts.gifts_bought(request.user, publication),
        "groups": Group.objects.filter(payer=request.user, publication=publication).order_by(
            "-created_at"
        ),
        "is_paid_available": plans.is_paid_available(publication),
        "now": timezone.now(),
    }
    return render(request, "billing/gift_list.html", context)


def _redeemer(request, email: str):
    """Who a link acts for: the signed-in reader, or else the address it was sent to."""
    if request.user.is_authenticated:
        return request.user
    person = get_or_create_person(email)
    if not person.is_active:
        raise BadToken("This account is disabled.")
    return person


@require_http_methods(["GET", "POST"])
def gift_redeem(request, token):
    """GET shows one button and changes nothing (mail scanners open links); its POST redeems."""
    try:
        gift = gifts.open_gift(token)
        if request.method == "POST":
            person = _redeemer(request, gift.recipient_email)
            gift = gifts.redeem_gift(token, person)
    except BadToken as error:
        return link_page(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    if request.method == "GET":
        return link_page(request, "billing/gift_redeem.html", {"gift": gift})
    if not request.user.is_authenticated:
        login(request, person, backend=SIGN_IN_BACKEND)
    until = gift.grant.ends_at if gift.grant else None
    messages.success(
        request,
        f"Your gift is redeemed: you read {gift.publication.name} in full"
        + (f" until {short_date(until)}." if until else "."),
    )
    return redirect("posts:home")


@login_required
@require_http_methods(["GET", "POST"])
def group_buy(request):
    publication = _paid_publication(request)
    form = GroupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            group, status = _try(
                form,
                lambda: groups.buy_group(
                    request.user, publication, data["seat_count"], data["setup_intent"]
                ),
            )
            if group is not None:
                messages.success(request, f"Your group of {group.seat_count} seats is paid.")
                return redirect("billing:group_manage", group.id)
    context = {
        "form": form,
        "price": _price(publication),
        "min_seats": groups.MIN_SEATS,
        "max_seats": groups.MAX_SEATS,
    }
    return _card_page(request, "billing/group_buy.html", context, status)


@login_required
@require_http_methods(["GET", "POST"])
def group_manage(request, group_id):
    group = groups.get_group_for_payer(request.user, get_request_publication(request), group_id)
    form = SeatForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            email = form.cleaned_data["email"]
            seat, status = _try(form, lambda: groups.add_member(group, email))
            if seat is not None:
                messages.success(request, f"A claim link is on its way to {seat.email}.")
                return redirect("billing:group_manage", group.id)
    seats = list(group.seats.filter(removed_at__isnull=True).order_by("created_at", "id"))
    context = {
        "group": group,
        "seats": seats,
        "free_seat_count": max(group.seat_count - len(seats), 0),
        "is_paying": groups.is_paying(group),
        "form": form,
    }
    return render(request, "billing/group_manage.html", context, status=status)


@login_required
@require_POST
def group_seat_remove(request, group_id, seat_id):
    group = groups.get_group_for_payer(request.user, get_request_publication(request), group_id)
    seat = groups.remove_member(group, seat_id)
    messages.success(request, f"{seat.email} no longer has a seat; it is free again.")
    return redirect("billing:group_manage", group.id)


@require_http_methods(["GET", "POST"])
def group_claim(request, token):
    """GET shows one button and changes nothing; its POST claims the seat."""
    try:
        seat = groups.open_seat(token)
        if request.method == "POST":
            person = _redeemer(request, seat.email)
            seat = groups.claim_seat(token, person)
    except BadToken as error:
        return link_page(request, "accounts/link_error.html", {"error": str(error)}, status=400)
    if request.method == "GET":
        return link_page(request, "billing/group_claim.html", {"seat": seat})
    if not request.user.is_authenticated:
        login(request, person, backend=SIGN_IN_BACKEND)
    messages.success(
        request, f"Your seat is yours: you read {seat.group.publication.name} in full."
    )
    return redirect("posts:home")
