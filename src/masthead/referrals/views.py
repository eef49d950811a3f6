"""The Leaderboard, the anonymity switch, one-click subscribe, and the desk's referral pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from masthead.core.redirects import redirect_to_next
from masthead.desk.lookups import MANAGERS, get_membership
from masthead.pagecache.serving import cached_page
from masthead.publications.lookups import get_request_publication
from masthead.publications.models import Publication
from masthead.referrals import queries, services
from masthead.referrals.forms import RecommendationForm, tier_formset
from masthead.referrals.models import Recommendation
from masthead.subscriptions.models import SubscriptionSource, SubscriptionStatus
from masthead.subscriptions.queries import subscription_of


@cached_page()
def leaderboard(request):
    publication = get_request_publication(request)
    context = {
        "entries": queries.leaderboard(publication, request.user),
        "tiers": queries.reward_tiers(publication),
        "leaderboard_size": queries.LEADERBOARD_SIZE,
    }
    subscription = subscription_of(request.user, publication)
    if subscription is not None and subscription.status == SubscriptionStatus.ACTIVE:
        standing = queries.standing_of(publication, request.user)
        code = standing.code or services.referral_code_for(publication, request.user)
        context["code"] = code
        context["standing"] = standing
        context["referral_link"] = services.link_with_code(publication, code)
        context["rewards"] = queries.rewards_of(publication, request.user)
        if any(grant.months for grant in context["rewards"]):
            context["access_until"] = services.complimentary_access_until(publication, request.user)
    return render(request, "referrals/leaderboard.html", context)


@login_required
@require_POST
def set_anonymity(request):
    publication_id = request.POST.get("publication", "")
    if not (publication_id.isascii() and publication_id.isdigit()):
        raise Http404("No such publication.")
    publication = get_object_or_404(Publication, id=int(publication_id))
    if subscription_of(request.user, publication) is None:
        raise Http404("You are not subscribed to this publication.")
    is_anonymous = request.POST.get("appear_anonymously") == "1"
    services.set_appear_anonymously(publication, request.user, is_anonymous)
    code = services.referral_code_for(publication, request.user)
    messages.success(request, f"You appear as “{queries.public_name(code)}” on the Leaderboard.")
    return redirect_to_next(request, reverse("referrals:leaderboard"))


@login_required
@require_POST
def subscribe_recommended(request, recommendation_id):
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("recommended_publication"),
        id=recommendation_id,
        recommended_publication__isnull=False,
    )
    target = recommendation.recommended_publication
    services.subscribe_signed_in_reader(
        target, request.user, source=SubscriptionSource.RECOMMENDATION
    )
    messages.success(request, f"You are subscribed to {target.name}.")
    return redirect_to_next(request, reverse("accounts:account"))


@login_required
def desk_rewards(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    data = request.POST if request.method == "POST" else None
    formset = tier_formset(publication, data)
    if request.method == "POST" and formset.is_valid():
        services.save_reward_tiers(publication, formset.tiers())
        messages.success(request, "Your reward tiers are saved.")
        return redirect("referrals:desk_rewards", publication.slug)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "formset": formset,
        "unoffered_tiers": queries.unoffered_tiers(publication),
        "entries": queries.leaderboard(publication)[:10],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "referrals/desk_rewards.html", context, status=status)


@login_required
def desk_recommendations(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    data = request.POST if request.method == "POST" else None
    form = RecommendationForm(data, publication=publication)
    if request.method == "POST" and form.is_valid():
        try:
            services.recommend_publication(
                publication,
                recommended_publication=form.cleaned_data["recommended_publication"],
                url=form.cleaned_data["url"],
                name=form.cleaned_data["name"].strip(),
                description=form.cleaned_data["description"].strip(),
            )
        except services.RecommendationRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The recommendation is added.")
            return redirect("referrals:desk_recommendations", publication.slug)
    context = {
        "desk_publication": publication,
        "membership": membership,
        "form": form,
        "recommendations": queries.recommendations_for(publication),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "referrals/desk_recommendations.html", context, status=status)


@login_required
@require_POST
def desk_recommendation_remove(request, publication_slug, recommendation_id):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    recommendation = get_object_or_404(
        Recommendation, id=recommendation_id, publication=membership.publication
    )
    services.remove_recommendation(recommendation)
    messages.success(request, "The recommendation is removed.")
    return redirect("referrals:desk_recommendations", membership.publication.slug)
