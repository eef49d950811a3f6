"""Referral codes, counting confirmed referrals, granting rewards, tiers and recommendations."""

import calendar
import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from masthead.billing.models import AccessGrant, GrantKind
from masthead.billing.plans import is_paid_available
from masthead.pagecache import invalidation
from masthead.publications.links import publication_link
from masthead.publications.models import Publication
from masthead.referrals.models import (
    Recommendation,
    Referral,
    ReferralCode,
    RewardGrant,
    RewardKind,
    RewardTier,
)
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

MAX_TIERS = 3
MAX_MONTHS = 24
MAX_RECOMMENDATIONS = 12
DEFAULT_THRESHOLDS = (2, 10, 25)


def new_code() -> str:
    return secrets.token_urlsafe(6)  # 8 URL-safe characters


def referral_code_for(publication: Publication, person) -> ReferralCode:
    """The person's (or person id's) code for the publication, created the first time it is asked."""
    person_id = getattr(person, "pk", person)
    existing = ReferralCode.objects.filter(publication=publication, person_id=person_id).first()
    if existing is not None:
        return existing
    for _ in range(5):
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(
                    publication=publication, person_id=person_id, code=new_code()
                )
        except IntegrityError:
            # Either a concurrent request made this person's code, or the random code collided.
            existing = ReferralCode.objects.filter(
                publication=publication, person_id=person_id
            ).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not create a unique referral code.")


def referral_link(subscription: Subscription) -> str:
    """The subscriber's personal link, for the account page and the newsletter footer."""
    code = referral_code_for(subscription.publication, subscription.person)
    return link_with_code(subscription.publication, code)


def referral_links(publication: Publication, person_ids) -> dict[int, str]:
    """Links of many subscribers at once (a newsletter send), in a fixed number of queries."""
    person_ids = set(person_ids)
    codes = dict(
        ReferralCode.objects.filter(publication=publication, person_id__in=person_ids).values_list(
            "person_id", "code"
        )
    )
    missing = person_ids - codes.keys()
    if missing:
        ReferralCode.objects.bulk_create(
            [
                ReferralCode(publication=publication, person_id=person_id, code=new_code())
                for person_id in missing
            ],
            ignore_conflicts=True,  # a concurrent request made some; a rare code clash retries
        )
        codes.update(
            ReferralCode.objects.filter(publication=publication, person_id__in=missing).values_list(
                "person_id", "code"
            )
        )
    home = publication_link(publication, "posts:home")
    links = {person_id: f"{home}?r={code}" for person_id, code in codes.items()}
    for person_id in person_ids - links.keys():  # the rare random clash above
        links[person_id] = f"{home}?r={referral_code_for(publication, person_id).code}"
    return links


def link_with_code(publication: Publication, code: ReferralCode) -> str:
    return f"{publication_link(publication, 'posts:home')}?r={code.code}"


def resolve_referrer_code(subscription: Subscription) -> ReferralCode | None:
    """The code that referred this subscription, unless unknown, foreign or the reader's own."""
    if not subscription.referral_code:
        return None
    code = ReferralCode.objects.filter(
        code=subscription.referral_code, publication_id=subscription.publication_id
    ).first()
    if code is None or code.person_id == subscription.person_id:
        return None
    return code


def active_referral_count(code: ReferralCode) -> int:
    return Referral.objects.filter(
        referral_code=code, subscription__status=SubscriptionStatus.ACTIVE
    ).count()


@transaction.atomic
def record_confirmed_referral(subscription: Subscription) -> Referral | None:
    """Called when a subscription is confirmed: count it for its referrer once, grant rewards."""
    if subscription.status != SubscriptionStatus.ACTIVE:
        return None
    code = resolve_referrer_code(subscription)
    if code is None:
        return None
    referral, _created = Referral.objects.get_or_create(
        subscription=subscription,
        defaults={
            "referral_code": code,
            "confirmed_at": subscription.confirmed_at or timezone.now(),
        },
    )
    grant_reached_rewards(referral.referral_code)
    return referral


def grant_reached_rewards(code: ReferralCode) -> list[RewardGrant]:
    """Grant every tier the referrer has reached and not yet received; each exactly once. A
    months tier also gives real paid access: a billing grant that stacks after the access the
    referrer already has for free (grant_referral_access).

    A tier of a kind not offered now (months of paid access while the publication takes no
    payments) is not granted: its promise could not be kept.
    """
    from masthead.referrals.tasks import send_reward_email

    count = active_referral_count(code)
    offered = offered_reward_kinds(code.publication)
    tiers = RewardTier.objects.filter(
        publication_id=code.publication_id, threshold__lte=count, kind__in=offered
    )
    granted = []
    for tier in tiers:
        if RewardGrant.objects.filter(tier=tier, person_id=code.person_id).exists():
            continue
        try:
            with transaction.atomic():
                grant = RewardGrant.objects.create(
                    publication_id=code.publication_id,
                    person_id=code.person_id,
                    tier=tier,
                    threshold=tier.threshold,
                    months=tier.months if tier.kind == RewardKind.MONTHS else None,
                    description=tier.description if tier.kind == RewardKind.CUSTOM else "",
                )
                if grant.months:
                    grant_referral_access(code.publication_id, code.person_id, grant.months)
        except IntegrityError:
            continue  # a concurrent confirmation granted it first
        # The database task backend writes the task in this same transaction.
        send_reward_email.enqueue(grant.id)
        granted.append(grant)
    return granted


# The free access a referral reward extends: the writer's comps and earlier rewards. (Gifts and
# group seats are someone's payment; a reward does not wait for them to end.)
STACKED_GRANT_KINDS = (GrantKind.REFERRAL, GrantKind.COMP)


def grant_referral_access(publication_id: int, person_id: int, months: int) -> AccessGrant:
    """`months` months of paid access (billing.access reads it), from the later of now and the
    end of the person's current comp or referral access to this publication."""
    now = timezone.now()
    # Serialises two rewards of one person (PostgreSQL), so both stack instead of overlapping.
    get_user_model().objects.select_for_update().filter(pk=person_id).first()
    starts_at = max(now, _free_access_end(publication_id, person_id, now) or now)
    return AccessGrant.objects.create(
        publication_id=publication_id,
        person_id=person_id,
        kind=GrantKind.REFERRAL,
        starts_at=starts_at,
        ends_at=add_months(starts_at, months),
        note=f"Referral reward: {months} month{'s' if months != 1 else ''}",
    )


def _free_access_end(publication_id: int, person_id: int, now) -> dt.datetime | None:
    """When the person's comp and referral access to the publication ends: the latest end of
    those grants not over yet (an open-ended comp has no end to stack after)."""
    return (
        AccessGrant.objects.filter(
            publication_id=publication_id,
            person_id=person_id,
            kind__in=STACKED_GRANT_KINDS,
            ends_at__gt=now,
        )
        .aggregate(end=Max("ends_at"))
        .get("end")
    )


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def complimentary_access_until(publication: Publication, person) -> dt.datetime | None:
    """Until when the person reads the publication's paid posts for free (referral rewards and
    comps, stacked): None when they have no such access that ends."""
    return _free_access_end(publication.id, person.pk, timezone.now())


@transaction.atomic
def set_appear_anonymously(publication: Publication, person, appear_anonymously: bool) -> None:
    code = referral_code_for(publication, person)
    ReferralCode.objects.filter(id=code.id).update(appear_anonymously=appear_anonymously)
    invalidation.lists_changed(publication.id)


def offered_reward_kinds(publication: Publication) -> list[str]:
    """The kinds of reward the publication's writer may offer now: the one place this rule lives.

    Months of paid access only while its readers can pay (billing.plans.is_paid_available):
    without a paid plan, a tier promising paid access would promise nothing.
    """
    if is_paid_available(publication):
        return [RewardKind.CUSTOM, RewardKind.MONTHS]
    return [RewardKind.CUSTOM]


# Beyond any publication's referrals, and within every database's integer column.
MAX_THRESHOLD = 1_000_000


def validate_tiers(tiers: list[dict]) -> None:
    """Tiers as dicts with threshold, kind, months, description; raises ValidationError."""
    if len(tiers) > MAX_TIERS:
        raise ValidationError(f"You can set up at most {MAX_TIERS} reward tiers.")
    previous = 0
    for number, tier in enumerate(tiers, start=1):
        threshold = tier.get("threshold")
        if not isinstance(threshold, int) or threshold < 1:
            raise ValidationError(f"Tier {number}: the number of referrals must be at least 1.")
        if threshold > MAX_THRESHOLD:
            raise ValidationError(
                f"Tier {number}: the number of referrals must be at most {MAX_THRESHOLD:,}."
            )
        if threshold <= previous:
            raise ValidationError(
                "Each tier needs more referrals than the one before it "
                f"(tier {number} asks for {threshold}, after {previous})."
            )
        previous = threshold
        if tier.get("kind") == RewardKind.MONTHS:
            months = tier.get("months")
            if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
                raise ValidationError(
                    f"Tier {number}: give between 1 and {MAX_MONTHS} months of paid access."
                )
        elif tier.get("kind") == RewardKind.CUSTOM:
            description = (tier.get("description") or "").strip()
            if not description:
                raise ValidationError(f"Tier {number}: describe the reward.")
            if len(description) > 200:
                raise ValidationError(
                    f"Tier {number}: describe the reward in 200 characters or fewer."
                )
        else:
            raise ValidationError(f"Tier {number}: choose a kind of reward.")


@transaction.atomic
def save_reward_tiers(publication: Publication, tiers: list[dict]) -> list[RewardTier]:
    """Replace the publication's tiers; grants already given stay (they keep what was given)."""
    validate_tiers(tiers)
    saved = []
    for position, tier in enumerate(tiers, start=1):
        is_months = tier["kind"] == RewardKind.MONTHS
        row, _ = RewardTier.objects.update_or_create(
            publication=publication,
            position=position,
            defaults={
                "threshold": tier["threshold"],
                "kind": tier["kind"],
                "months": tier["months"] if is_months else None,
                "description": "" if is_months else tier["description"].strip(),
            },
        )
        saved.append(row)
    RewardTier.objects.filter(publication=publication, position__gt=len(tiers)).delete()
    return saved


class RecommendationRefused(Exception):
    pass


@transaction.atomic
def recommend_publication(
    publication: Publication,
    *,
    recommended_publication: Publication | None = None,
    url: str = "",
    name: str = "",
    description: str = "",
) -> Recommendation:
    """Recommend a publication on this install, or any http(s) site; the form validated fields."""
    if publication.recommendations.count() >= MAX_RECOMMENDATIONS:
        raise RecommendationRefused(
            f"You can recommend at most {MAX_RECOMMENDATIONS} publications."
        )
    if recommended_publication is not None:
        if recommended_publication.id == publication.id:
            raise RecommendationRefused("A publication cannot recommend itself.")
        if publication.recommendations.filter(
            recommended_publication=recommended_publication
        ).exists():
            raise RecommendationRefused(f"You already recommend {recommended_publication.name}.")
        return Recommendation.objects.create(
            publication=publication,
            recommended_publication=recommended_publication,
            description=description,
        )
    if not url.lower().startswith(("http://", "https://")):
        raise RecommendationRefused("Only http:// and https:// addresses can be recommended.")
    return Recommendation.objects.create(
        publication=publication, url=url, name=name, description=description
    )


@transaction.atomic
def remove_recommendation(recommendation: Recommendation) -> None:
    recommendation.delete()


@transaction.atomic
def subscribe_signed_in_reader(
    publication: Publication, person, *, source: str = SubscriptionSource.WEBSITE
) -> Subscription:
    """One-click subscribe for a signed-in reader: their address is proven, so no double opt-in.
    `source` says where a new subscription came from (the stats count subscribers by it)."""
    from masthead.subscriptions.tasks import send_welcome

    now = timezone.now()
    subscription, _ = Subscription.objects.select_for_update().get_or_create(
        publication=publication,
        person=person,
        defaults={"source": source},
    )
    if subscription.status == SubscriptionStatus.ACTIVE:
        return subscription
    invalidation.lists_changed(subscription.publication_id)
    Subscription.objects.filter(id=subscription.id).update(
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=subscription.confirmed_at or now,
        unsubscribed_at=None,
    )
    subscription.refresh_from_db()
    send_welcome.enqueue(subscription.id)
    return subscription
