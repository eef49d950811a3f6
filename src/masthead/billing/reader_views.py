"""The reader's paid pages: the plans beside the free subscription, checkout with Stripe's card
form, and their paid subscription (cancel, resume, switch plan, change card, receipts)."""

import datetime as dt
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods, require_POST

from masthead.billing import checkout, gateway, offer_models, plans
from masthead.billing import offers as offer_terms
from masthead.billing.access import PAYING_STATUSES, current_grants
from masthead.billing.models import PaidSubscription, Plan, PlanInterval
from masthead.billing.reader_forms import CardForm, SwitchPlanForm
from masthead.billing.receipts import format_money, receipts_of
from masthead.core.templatetags.masthead import short_date
from masthead.publications.lookups import get_request_publication
from masthead.subscriptions.middleware import landing_utm_of

CARD_NOT_SAVED = "Your card was not saved. Enter it again."
# What paid access opens, in the words of billing.access (its one rule).
PAID_BENEFITS = [
    "Every post in full, paid-only posts included",
    "The full newsletter in your inbox",
    "Paid-only comments and the subscriber chat",
]


def card_form_csp() -> dict:
    """The site's policy, plus what Stripe's card form needs: its script, its API and its
    iframe (the real card field is a frame served by Stripe)."""
    origins = gateway.origins()
    policy = {name: list(values) for name, values in settings.SECURE_CSP.items()}
    for directive in ("script-src", "connect-src"):
        policy[directive] = [*policy.get(directive, ["'self'"]), *origins]
    policy["frame-src"] = [*policy.get("frame-src", []), *origins]
    return policy


def allows_card_form(view):
    """csp_override with the origins read per request (settings decide where Stripe is)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return csp_override(card_form_csp())(view)(request, *args, **kwargs)

    return wrapped


# --- Offers: how a plan reads on the plans and checkout pages -----------------------------------


@dataclass(frozen=True)
class Offer:
    plan: Plan
    price: str  # "$8"
    per: str  # "a month"
    saving: str  # "Save $16 a year (17%) vs. monthly", or ""
    discounted: str = ""  # "$6", the price with the reader's offer, or ""
    discount_terms: str = ""  # "25% off for the first 3 months"

    @property
    def is_founding(self) -> bool:
        return self.plan.interval == PlanInterval.FOUNDING


def price_per(plan: Plan) -> str:
    return "a month" if plan.interval == PlanInterval.MONTH else "a year"


def offers_of(active: list[Plan], discount: offer_models.Offer | None = None) -> list[Offer]:
    """How each plan reads; with the reader's offer (a discount), its price with it too."""
    monthly = next((plan for plan in active if plan.interval == PlanInterval.MONTH), None)
    offers = []
    for plan in active:
        saving = ""
        if plan.interval == PlanInterval.YEAR and monthly is not None:
            saved = monthly.amount * 12 - plan.amount
            if saved > 0:
                percent = round(saved * 100 / (monthly.amount * 12))
                money = format_money(saved, plan.currency)
                saving = f"Save {money} a year ({percent}%) vs. monthly"
        discounted = terms = ""
        if discount is not None:
            discounted = offer_terms.offer_price(plan, discount)
            terms = (
                f"{offer_terms.discount_text(discount)} {offer_terms.duration_text(discount, plan)}"
            )
        offers.append(
            Offer(
                plan,
                format_money(plan.amount, plan.currency),
                price_per(plan),
                saving,
                discounted,
                terms,
            )
        )
    return offers


OFFER_GONE = "That offer is no longer available, so these are the regular prices."


def offer_from(publication, code) -> tuple[offer_models.Offer | None, str]:
    """The open offer a link's code names, and a calm note for the reader when it names none."""
    if not code:
        return None, ""
    found = offer_terms.usable_offer(publication, code)
    return found, "" if found is not None else OFFER_GONE


def plans_page(request, publication, form, *, status: int = 200):
    """/subscribe/ when readers can pay: the free subscription's form beside the paid plans.
    Called by subscriptions.views.subscribe, which keeps handling the free form's POST."""
    current = None
    if request.user.is_authenticated:
        current = checkout.paying_subscription(request.user, publication.id)
    active = plans.active_plans(publication)
    discount, offer_note = offer_from(publication, request.GET.get("offer"))
    context = {
        "form": form,
        "offers": offers_of(active, discount),
        "offer_code": discount.code if discount else "",
        "offer_note": offer_note,
        "trial_days": offer_terms.trial_days_for(request.user, publication),
        "free_price": format_money(0, active[0].currency if active else ""),
        "current": current,
    }
    return render(request, "billing/plans.html", context, status=status)


def _offered_plan(publication, plan_id: int) -> Plan:
    """An active plan of this publication while its readers can pay; otherwise 404."""
    if not plans.is_paid_available(publication):
        raise Http404("This publication takes no payments.")
    plan = Plan.objects.filter(pk=plan_id, publication=publication, is_active=True).first()
    if plan is None:
        raise Http404("This plan is not offered.")
    return plan


def _card_page(request, template: str, context: dict, *, error: str = "", status: int = 200):
    """A page with Stripe's card form: a fresh SetupIntent each time it is shown (one that was
    used cannot be confirmed again), or a calm message when Stripe cannot be reached."""
    client_secret = ""
    try:
        client_secret = checkout.start_card_setup(request.user)
    except gateway.PaymentsUnavailable as unavailable:
        error = error or str(unavailable)
    context = {
        **context,
        "error": error,
        "client_secret": client_secret,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_js_url": gateway.js_url(),
    }
    return render(request, template, context, status=status)


@allows_card_form
@require_http_methods(["GET", "POST"])
def checkout_page(request, plan_id):
    publication = get_request_publication(request)
    plan = _offered_plan(publication, plan_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if checkout.paying_subscription(request.user, publication.id) is not None:
        # Also the second of a double submit: the first one already started the subscription.
        messages.info(request, "You already have a paid subscription. Here it is.")
        return redirect("billing:account")
    error, status = "", 200
    code = (request.POST if request.method == "POST" else request.GET).get("offer", "")
    if request.method == "POST":
        form = CardForm(request.POST)
        error, status = CARD_NOT_SAVED, 400
        if form.is_valid():
            try:
                checkout.subscribe(
                    request.user,
                    plan,
                    form.cleaned_data["setup_intent"],
                    offer_code=code,
                    utm=landing_utm_of(request, publication),
                )
            except checkout.CheckoutRefused as refused:
                error = str(refused)
            except gateway.PaymentsUnavailable as unavailable:
                error, status = str(unavailable), 200
            else:
                messages.success(request, f"Welcome aboard: you are on the {plan.name} plan.")
                return redirect("billing:account")
    discount, offer_note = offer_from(publication, code)
    offer = next(
        one for one in offers_of(plans.active_plans(publication), discount) if one.plan == plan
    )
    trial_days = offer_terms.trial_days_for(request.user, publication)
    submit_label = "Start free trial" if trial_days else f"Pay {offer.discounted or offer.price}"
    context = {
        "offer": offer,
        "benefits": PAID_BENEFITS,
        "submit_label": submit_label,
        "offer_code": discount.code if discount else "",
        "offer_note": offer_note,
        "trial_days": trial_days,
        "trial_ends_at": timezone.now() + dt.timedelta(days=trial_days) if trial_days else None,
    }
    return _card_page(request, "billing/checkout.html", context, error=error, status=status)


# --- The reader's paid subscription ---------------------------------------------------------------


def _paid_of(person, publication) -> PaidSubscription | None:
    """The reader's paid subscription to this publication, whatever its state."""
    return (
        PaidSubscription.objects.select_related("plan")
        .filter(subscription__person=person, subscription__publication=publication)
        .first()
    )


def _state_of(paid: PaidSubscription | None, now) -> str:
    """active, trialing, past_due, cancelling (paid to the period's end) or ended."""
    if paid is None or paid.status not in PAYING_STATUSES:
        return "ended"
    if paid.cancel_at_period_end:
        ends = paid.current_period_end
        return "ended" if ends is not None and ends <= now else "cancelling"
    return paid.status


def _account_context(request, publication, *, with_receipts: bool = True) -> dict:
    person, now = request.user, timezone.now()
    paid = _paid_of(person, publication)
    state = _state_of(paid, now)
    grants = current_grants(now).filter(publication=publication, person=person)
    # The longest-lasting one: open-ended beats any end date.
    grant = max(grants, key=lambda one: (one.ends_at is None, one.ends_at or now), default=None)
    context = {
        "paid": paid,
        "state": state,
        "grant": grant,
        "is_paid_available": plans.is_paid_available(publication),
        "receipts": [],
        "receipts_unavailable": False,
    }
    if paid is not None:
        context["offer"] = offers_of([paid.plan])[0]
        context["is_founding"] = paid.plan.interval == PlanInterval.FOUNDING
        if state in ("active", "trialing", "past_due"):
            context["switch_offers"] = offers_of(
                [plan for plan in plans.active_plans(publication) if plan.pk != paid.plan_id]
            )
        if with_receipts and gateway.is_configured():
            try:
                context["receipts"] = receipts_of(person, publication)
            except gateway.PaymentsUnavailable:
                context["receipts_unavailable"] = True
    return context


@login_required
def account(request):
    publication = get_request_publication(request)
    return render(request, "billing/account.html", _account_context(request, publication))


def _paying_or_none(request, publication) -> PaidSubscription | None:
    paid = checkout.paying_subscription(request.user, publication.id)
    if paid is None:
        messages.error(request, "You have no paid subscription to change here.")
    return paid


def _act(request, action, done: str):
    """Run a change on Stripe; its refusal or absence becomes a message on the account page."""
    try:
        action()
    except (checkout.CheckoutRefused, gateway.PaymentsUnavailable) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("billing:account")


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request):
    """GET asks once more, in plain words; POST cancels at the end of the paid period."""
    publication = get_request_publication(request)
    paid = _paying_or_none(request, publication)
    if paid is None:
        return redirect("billing:account")
    if request.method == "GET":
        context = {
            **_account_context(request, publication, with_receipts=False),
            "is_confirming_cancel": True,
        }
        return render(request, "billing/account.html", context)
    ends = paid.current_period_end
    until = f" You keep reading until {short_date(ends)}." if ends else ""
    return _act(
        request,
        lambda: checkout.set_cancel_at_period_end(paid, True),
        f"Your subscription is cancelled; nothing more will be charged.{until}",
    )


@login_required
@require_POST
def resume(request):
    publication = get_request_publication(request)
    paid = _paying_or_none(request, publication)
    if paid is None:
        return redirect("billing:account")
    return _act(
        request,
        lambda: checkout.set_cancel_at_period_end(paid, False),
        "Your subscription continues; it renews as before.",
    )


@login_required
@require_POST
def switch_plan(request):
    publication = get_request_publication(request)
    paid = _paying_or_none(request, publication)
    if paid is None:
        return redirect("billing:account")
    form = SwitchPlanForm(request.POST, publication=publication, current_plan_id=paid.plan_id)
    if not form.is_valid():
        messages.error(request, "Choose one of the plans listed.")
        return redirect("billing:account")
    plan = form.cleaned_data["plan"]
    return _act(
        request, lambda: checkout.switch_plan(paid, plan), f"You are now on the {plan.name} plan."
    )


@allows_card_form
@login_required
@require_http_methods(["GET", "POST"])
def change_card(request):
    publication = get_request_publication(request)
    paid = _paid_of(request.user, publication)
    if paid is None or not gateway.is_configured():
        messages.error(request, "You have no paid subscription here, so no card to change.")
        return redirect("billing:account")
    error, status = "", 200
    if request.method == "POST":
        form = CardForm(request.POST)
        error, status = CARD_NOT_SAVED, 400
        if form.is_valid():
            try:
                checkout.change_card(request.user, form.cleaned_data["setup_intent"])
            except checkout.CheckoutRefused as refused:
                error = str(refused)
            except gateway.PaymentsUnavailable as unavailable:
                error, status = str(unavailable), 200
            else:
                messages.success(request, "Your new card is saved; renewals charge it from now on.")
                return redirect("billing:account")
    context = {
        **_account_context(request, publication, with_receipts=False),
        "is_changing_card": True,
        "submit_label": "Save card",
        "account_url": reverse("billing:account"),
    }
    return _card_page(request, "billing/account.html", context, error=error, status=status)
