"""Reads of the referral programme: the Leaderboard, a referrer's standing, recommendations."""

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from masthead.publications.links import publication_root
from masthead.publications.models import Publication
from masthead.referrals.models import Recommendation, ReferralCode, RewardGrant, RewardTier
from masthead.referrals.services import offered_reward_kinds
from masthead.subscriptions.models import SubscriptionStatus

LEADERBOARD_SIZE = 100
ANONYMOUS = "Anonymous reader"

COUNTED = Q(referrals__subscription__status=SubscriptionStatus.ACTIVE)


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    name: str
    referral_count: int
    is_viewer: bool


def ranked_codes(publication: Publication):
    """Referrers with at least one counted referral, most first; ties go to who got there first."""
    return (
        ReferralCode.objects.filter(publication=publication)
        .annotate(
            referral_count=Count("referrals", filter=COUNTED),
            reached_at=Max("referrals__confirmed_at", filter=COUNTED),
        )
        .filter(referral_count__gt=0)
        .order_by("-referral_count", "reached_at", "id")
    )


def public_name(code: ReferralCode) -> str:
    # Without a display name the only other name is the email address: never show that.
    if code.appear_anonymously or not code.person.display_name:
        return ANONYMOUS
    return code.person.display_name


def leaderboard(publication: Publication, viewer=None) -> list[LeaderboardEntry]:
    """The top referrers, in one query."""
    viewer_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    codes = ranked_codes(publication).select_related("person")[:LEADERBOARD_SIZE]
    return [
        LeaderboardEntry(
            rank=rank,
            name=public_name(code),
            referral_count=code.referral_count,
            is_viewer=code.person_id == viewer_id,
        )
        for rank, code in enumerate(codes, start=1)
    ]


@dataclass(frozen=True)
class Standing:
    code: ReferralCode | None
    referral_count: int
    rank: int | None  # None until the first counted referral


def standing_of(publication: Publication, person) -> Standing:
    """A referrer's count and rank, in at most two queries."""
    code = (
        ReferralCode.objects.filter(publication=publication, person=person)
        .annotate(
            referral_count=Count("referrals", filter=COUNTED),
            reached_at=Max("referrals__confirmed_at", filter=COUNTED),
        )
        .first()
    )
    if code is None or not code.referral_count:
        return Standing(code, 0, None)
    ahead = (
        ranked_codes(publication)
        .filter(
            Q(referral_count__gt=code.referral_count)
            | Q(referral_count=code.referral_count, reached_at__lt=code.reached_at)
            | Q(referral_count=code.referral_count, reached_at=code.reached_at, id__lt=code.id)
        )
        .count()
    )
    return Standing(code, code.referral_count, ahead + 1)


def rewards_of(publication: Publication, person) -> list[RewardGrant]:
    return list(
        RewardGrant.objects.filter(publication=publication, person=person).order_by(
            "granted_at", "id"
        )
    )


def reward_tiers(publication: Publication) -> list[RewardTier]:
    """The tiers readers are promised: only kinds of reward that are offered now."""
    return list(
        RewardTier.objects.filter(
            publication=publication, kind__in=offered_reward_kinds(publication)
        ).order_by("position")
    )


def unoffered_tiers(publication: Publication) -> list[RewardTier]:
    """Saved tiers of a kind not offered now (months before paid plans): shown to the desk only."""
    return list(
        RewardTier.objects.filter(publication=publication)
        .exclude(kind__in=offered_reward_kinds(publication))
        .order_by("position")
    )


@dataclass(frozen=True)
class RecommendationItem:
    id: int
    name: str
    description: str
    url: str
    publication: Publication | None  # set when it is on this install: one-click subscribe


def recommendations_for(publication: Publication) -> list[RecommendationItem]:
    rows = (
        Recommendation.objects.filter(publication=publication)
        .select_related("recommended_publication")
        .order_by("created_at", "id")
    )
    items = []
    for row in rows:
        target = row.recommended_publication
        items.append(
            RecommendationItem(
                id=row.id,
                name=target.name if target else row.name,
                description=row.description or (target.tagline if target else ""),
                url=publication_root(target) + "/" if target else row.url,
                publication=target,
            )
        )
    return items
