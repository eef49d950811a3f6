"""The writer's side of paid subscriptions, in the desk: prices, the free trial and the paid
switch, offers, comps, and the revenue figures. Owners and admins only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from masthead.billing import charts, comps, gateway, offering, offers, plans, revenue
from masthead.billing.desk_forms import CompForm, OfferForm, PlansForm, format_amount
from masthead.billing.models import AccessGrant, GrantKind, PlanInterval
from masthead.billing.offer_models import Offer
from masthead.core.addresses import readable_address
from masthead.desk.lookups import MANAGERS, get_membership
from masthead.publications.links import publication_link

STRIPE_UNREACHABLE = "Stripe could not be reached, so nothing was saved. Try again in a minute."


def _plans_initial(publication) -> dict:
    settings_row = plans.billing_settings(publication)
    by_interval = {plan.interval: plan for plan in plans.active_plans(publication)}
    initial = {
        "currency": settings_row.currency,
        "founding_name": PlanInterval.FOUNDING.label,
        # A first visit offers paid on: saving prices is how a writer starts.
        "is_paid_on": settings_row.is_paid_on or not by_interval,
        "trial_days": settings_row.trial_days,
    }
    for field, interval in (
        ("monthly", PlanInterval.MONTH),
        ("yearly", PlanInterval.YEAR),
        ("founding", PlanInterval.FOUNDING),
    ):
        if interval in by_interval:
            initial[field] = format_amount(by_interval[interval].amount)
    if PlanInterval.FOUNDING in by_interval:
        initial["founding_name"] = by_interval[PlanInterval.FOUNDING].name
    return initial


@login_required
def desk_plans(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    context = {"desk_publication": publication, "membership": membership}
    if not gateway.is_configured():
        context["missing_settings"] = gateway.missing_settings()
        return render(request, "billing/desk_plans.html", context)
    form = PlansForm(request.POST or None, initial=_plans_initial(publication))
    if request.method == "POST" and form.is_valid():
        try:
            offering.save_offer(
                publication,
                form.cleaned_data["currency"],
                form.prices(),
                is_paid_on=form.cleaned_data["is_paid_on"],
                trial_days=form.cleaned_data["trial_days"] or 0,
            )
        except (plans.PlanRefused, offers.OfferRefused) as error:
            form.add_error(None, str(error))
        except gateway.PaymentsUnavailable:
            form.add_error(None, STRIPE_UNREACHABLE)
        else:
            messages.success(request, "Prices saved.")
            return redirect("desk:billing:desk_plans", publication.slug)
    context.update(
        form=form,
        settings_row=plans.billing_settings(publication),
        plans=revenue.plans_with_paying_counts(publication),
        # Configured enough to take payments, but perhaps not to hear back from Stripe.
        still_missing=gateway.missing_settings(),
    )
    return render(request, "billing/desk_plans.html", context, status=400 if form.errors else 200)


@login_required
def desk_offers(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    context = {"desk_publication": publication, "membership": membership}
    if not gateway.is_configured():
        context["missing_settings"] = gateway.missing_settings()
        return render(request, "billing/desk_offers.html", context)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offers.create_offer(
                publication, form.cleaned_data["code"], form.terms(), created_by=request.user
            )
        except offers.OfferRefused as error:
            form.add_error(None, str(error))
        except gateway.PaymentsUnavailable:
            form.add_error(None, STRIPE_UNREACHABLE)
        else:
            messages.success(request, f"Offer {offer.code} created. Share its link below.")
            return redirect("desk:billing:desk_offers", publication.slug)
    open_offers, closed_offers = offers.list_offers(publication)
    context.update(
        form=form,
        open_offers=[_shown_offer(publication, offer) for offer in open_offers],
        closed_offers=[_shown_offer(publication, offer) for offer in closed_offers],
        has_prices=bool(plans.active_plans(publication)),
    )
    return render(request, "billing/desk_offers.html", context, status=400 if form.errors else 200)


def _shown_offer(publication, offer):
    """The offer with what the desk shows of it: its terms in words and its link."""
    offer.discount = offers.discount_text(offer)
    offer.lasts = offers.duration_text(offer)
    offer.link = offer_link(publication, offer)
    return offer


def offer_link(publication, offer) -> str:
    return publication_link(publication, "subscriptions:subscribe") + f"?offer={offer.code}"


@login_required
@require_POST
def desk_offer_end(request, publication_slug, offer_id):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    offer = get_object_or_404(Offer, pk=offer_id, publication=membership.publication)
    if offers.end_offer(offer):
        messages.success(
            request, f"Offer {offer.code} ended: its link no longer gives the discount."
        )
    else:
        messages.info(request, f"Offer {offer.code} had already ended.")
    return redirect("desk:billing:desk_offers", membership.publication.slug)


@login_required
def desk_comps(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    form = CompForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = comps.grant_comp(
                publication,
                form.cleaned_data["email"],
                months=form.cleaned_data["months"],
                note=form.cleaned_data["note"],
                granted_by=request.user,
            )
        except comps.CompRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{readable_address(grant.person.email)} now has complimentary paid access.",
            )
            return redirect("desk:billing:desk_comps", publication.slug)
    current, past = comps.list_comps(publication)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "form": form,
        "current": current,
        "past": past,
        "max_months": comps.MAX_MONTHS,
    }
    return render(request, "billing/desk_comps.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def desk_comp_end(request, publication_slug, grant_id):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    grant = get_object_or_404(
        AccessGrant.objects.select_related("person"),
        pk=grant_id,
        publication=membership.publication,
        kind=GrantKind.COMP,
    )
    if comps.end_grant(grant):
        messages.success(
            request, f"Complimentary access of {readable_address(grant.person.email)} ended."
        )
    else:
        messages.info(
            request,
            f"Complimentary access of {readable_address(grant.person.email)} had already ended.",
        )
    return redirect("desk:billing:desk_comps", membership.publication.slug)


@login_required
def desk_revenue(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    figures = revenue.revenue_of(publication)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "figures": figures,
        "mrr_chart": charts.amount_chart(figures.months, [month.mrr for month in figures.months]),
        "movement_chart": charts.movement_chart(figures.months),
        "comp_count": comps.current_comps(publication, timezone.now()).count(),
        "is_configured": gateway.is_configured(),
    }
    return render(request, "billing/desk_revenue.html", context)
