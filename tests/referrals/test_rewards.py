"""Rewards: granted once per tier and person, told by one email; tiers validated in the desk."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from masthead.billing.access import has_paid_access
from masthead.billing.models import AccessGrant, GrantKind
from masthead.core.templatetags.masthead import short_date
from masthead.referrals import services
from masthead.referrals.models import RewardGrant, RewardKind, RewardTier
from masthead.referrals.services import (
    complimentary_access_until,
    record_confirmed_referral,
    save_reward_tiers,
)
from masthead.subscriptions.services import unsubscribe
from tests.billing.conftest import priced  # noqa: F401
from tests.factories import make_publication
from tests.referrals.conftest import confirm, refer, sign_up

pytestmark = pytest.mark.django_db

TIERS = [
    {"threshold": 2, "kind": "months", "months": 1},
    {"threshold": 3, "kind": "custom", "description": "A <b>signed</b> mug"},
]


@pytest.fixture
def months_offered(priced):  # noqa: F811
    """Readers can pay the publication (real plans on localstripe): months of paid access are
    offered."""
    assert RewardKind.MONTHS in services.offered_reward_kinds(priced[0].publication)


def test_a_months_tier_is_not_granted_while_paid_access_is_not_offered(
    publication, referrer, code, run_worker
):
    save_reward_tiers(publication, TIERS)  # saved while months were offered
    refer(publication, code, "one@example.com")
    refer(publication, code, "two@example.com")
    refer(publication, code, "three@example.com")
    run_worker()

    assert [grant.description for grant in RewardGrant.objects.all()] == ["A <b>signed</b> mug"]
    assert complimentary_access_until(publication, referrer) is None


def test_reaching_a_tier_grants_its_reward_once_with_one_email(
    publication, referrer, code, smtp_sink, run_worker, months_offered
):
    save_reward_tiers(publication, TIERS)
    refer(publication, code, "one@example.com")
    second = refer(publication, code, "two@example.com")

    confirm(second)  # the same friend confirming again
    record_confirmed_referral(second)  # and the event arriving twice
    run_worker()
    run_worker()

    grant = RewardGrant.objects.get()
    assert (grant.person, grant.months, grant.threshold) == (referrer, 1, 2)
    assert grant.emailed_at is not None
    rewards = [m for m in smtp_sink.to(referrer.email) if "reward" in m.subject]
    assert len(rewards) == 1
    assert rewards[0].subject == "You earned a reward from The Daily Build"
    assert "1 month of complimentary paid access" in rewards[0].text
    assert "/leaderboard/" in rewards[0].text


def test_a_custom_reward_is_described_in_the_email_as_text(
    publication, referrer, code, smtp_sink, run_worker, months_offered
):
    save_reward_tiers(publication, TIERS)
    for number in range(3):
        refer(publication, code, f"f{number}@example.com")

    run_worker()

    assert RewardGrant.objects.count() == 2
    custom = smtp_sink.last_to(referrer.email)
    assert "A <b>signed</b> mug" in custom.text
    assert "A &lt;b&gt;signed&lt;/b&gt; mug" in custom.html


def test_a_referral_who_unsubscribes_does_not_take_the_reward_back(
    publication, referrer, code, months_offered
):
    save_reward_tiers(publication, TIERS)
    refer(publication, code, "one@example.com")
    leaver = refer(publication, code, "two@example.com")

    unsubscribe(leaver)

    assert RewardGrant.objects.filter(person=referrer).count() == 1


def test_a_tier_is_not_granted_twice_after_dropping_and_reaching_it_again(
    publication, referrer, code, months_offered
):
    save_reward_tiers(publication, TIERS)
    refer(publication, code, "one@example.com")
    leaver = refer(publication, code, "two@example.com")
    unsubscribe(leaver)

    refer(publication, code, "three@example.com")

    assert RewardGrant.objects.filter(person=referrer).count() == 1


def test_unconfirmed_sign_ups_grant_nothing(publication, referrer, code):
    save_reward_tiers(publication, TIERS)
    sign_up(publication, "one@example.com", code)
    sign_up(publication, "two@example.com", code)

    assert not RewardGrant.objects.exists()


def test_months_of_complimentary_access_stack(publication, referrer, code, months_offered):
    save_reward_tiers(
        publication,
        [
            {"threshold": 1, "kind": "months", "months": 1},
            {"threshold": 2, "kind": "months", "months": 3},
        ],
    )
    with time_machine.travel(dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC), tick=False):
        refer(publication, code, "one@example.com")
        refer(publication, code, "two@example.com")

        until = complimentary_access_until(publication, referrer)

    # Jan 31 + 1 month is Feb 28; 3 more months from there.
    assert until == dt.datetime(2026, 5, 28, 12, tzinfo=dt.UTC)
    grants = AccessGrant.objects.filter(person=referrer).order_by("starts_at")
    assert [(g.kind, g.starts_at.date(), g.ends_at.date()) for g in grants] == [
        (GrantKind.REFERRAL, dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (GrantKind.REFERRAL, dt.date(2026, 2, 28), dt.date(2026, 5, 28)),
    ]


def test_a_months_reward_gives_paid_access_for_its_months(
    publication, referrer, code, months_offered
):
    save_reward_tiers(publication, [{"threshold": 1, "kind": "months", "months": 2}])
    assert not has_paid_access(referrer, publication.id)

    refer(publication, code, "one@example.com")

    grant = AccessGrant.objects.get(person=referrer, publication=publication)
    assert grant.kind == GrantKind.REFERRAL
    assert grant.ends_at == services.add_months(grant.starts_at, 2)
    assert has_paid_access(referrer, publication.id)
    assert not has_paid_access(referrer, publication.id, now=grant.ends_at)


def test_a_months_reward_starts_when_the_comp_ends(publication, referrer, code, months_offered):
    comp_end = timezone.now() + dt.timedelta(days=10)
    AccessGrant.objects.create(
        publication=publication, person=referrer, kind=GrantKind.COMP, ends_at=comp_end
    )
    save_reward_tiers(publication, [{"threshold": 1, "kind": "months", "months": 1}])

    refer(publication, code, "one@example.com")

    reward = AccessGrant.objects.get(person=referrer, kind=GrantKind.REFERRAL)
    assert reward.starts_at == comp_end
    assert reward.ends_at == services.add_months(comp_end, 1)
    assert complimentary_access_until(publication, referrer) == reward.ends_at


def test_an_expired_comp_or_another_publications_grant_does_not_delay_the_reward(
    publication, referrer, code, months_offered
):
    AccessGrant.objects.create(
        publication=publication,
        person=referrer,
        kind=GrantKind.COMP,
        starts_at=timezone.now() - dt.timedelta(days=40),
        ends_at=timezone.now() - dt.timedelta(days=10),
    )
    AccessGrant.objects.create(
        publication=make_publication(),
        person=referrer,
        kind=GrantKind.REFERRAL,
        ends_at=timezone.now() + dt.timedelta(days=100),
    )
    save_reward_tiers(publication, [{"threshold": 1, "kind": "months", "months": 1}])
    before = timezone.now()

    refer(publication, code, "one@example.com")

    reward = AccessGrant.objects.get(person=referrer, publication=publication, kind="referral")
    assert before <= reward.starts_at <= timezone.now()


def test_no_paid_access_is_granted_while_months_are_not_offered(
    publication, referrer, code, run_worker
):
    save_reward_tiers(publication, [{"threshold": 1, "kind": "months", "months": 1}])

    refer(publication, code, "one@example.com")

    assert not RewardGrant.objects.exists()
    assert not AccessGrant.objects.exists()
    assert not has_paid_access(referrer, publication.id)


def tier_data(*rows, total=3):
    data = {"tier-TOTAL_FORMS": str(total), "tier-INITIAL_FORMS": "0"}
    for index in range(total):
        row = rows[index] if index < len(rows) else {}
        data[f"tier-{index}-threshold"] = row.get("threshold", "")
        data[f"tier-{index}-kind"] = row.get("kind", "custom")
        data[f"tier-{index}-description"] = row.get("description", "A mug" if row else "")
    return data


def test_the_desk_shows_the_default_thresholds(client, publication, owner):
    client.force_login(owner)

    response = client.get(f"/desk/{publication.slug}/referrals/")

    assert response.status_code == 200
    assert [form.initial["threshold"] for form in response.context["formset"]] == [2, 10, 25]


def test_the_owner_saves_three_tiers(client, publication, owner):
    client.force_login(owner)

    response = client.post(
        f"/desk/{publication.slug}/referrals/",
        tier_data(
            {"threshold": "2", "description": "A sticker"},
            {"threshold": "10", "description": "A mug"},
            {"threshold": "25", "kind": "custom", "description": "A call with the writer"},
        ),
    )

    assert response.status_code == 302
    tiers = list(RewardTier.objects.values_list("threshold", "kind", "months", "description"))
    assert tiers == [
        (2, "custom", None, "A sticker"),
        (10, "custom", None, "A mug"),
        (25, "custom", None, "A call with the writer"),
    ]


def test_an_empty_row_removes_a_tier(client, publication, owner):
    save_reward_tiers(publication, TIERS)
    client.force_login(owner)

    response = client.post(f"/desk/{publication.slug}/referrals/", tier_data({"threshold": "5"}))

    assert response.status_code == 302
    assert list(RewardTier.objects.values_list("threshold", flat=True)) == [5]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (({"threshold": "10"}, {"threshold": "5"}), "more referrals than the one before"),
        (({"threshold": "3"}, {"threshold": "3"}), "more referrals than the one before"),
        (({"threshold": "0"},), "must be at least 1"),
        (({"threshold": "-2"},), "must be at least 1"),
        (({"threshold": "2", "kind": "months", "months": "1"},), "Choose a kind of reward that is offered"),
        (({"threshold": "2", "kind": "custom", "description": "x" * 201},), "200 characters or fewer"),
        (({"threshold": "3", "kind": "custom", "description": "  "},), "Describe the reward"),
        (({"threshold": "two"},), "Enter a whole number"),
    ],
)  # fmt: skip
def test_invalid_tiers_are_refused_with_a_clear_message(client, publication, owner, rows, message):
    client.force_login(owner)

    response = client.post(f"/desk/{publication.slug}/referrals/", tier_data(*rows))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RewardTier.objects.exists()


def test_more_than_three_tiers_are_refused(client, publication, owner):
    client.force_login(owner)
    rows = [{"threshold": str(n)} for n in (1, 2, 3, 4)]

    response = client.post(f"/desk/{publication.slug}/referrals/", tier_data(*rows, total=4))

    assert response.status_code == 400
    assert not RewardTier.objects.exists()


def test_the_service_refuses_more_than_three_tiers(publication):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at most 3"):
        save_reward_tiers(
            publication, [{"threshold": n, "kind": "months", "months": 1} for n in range(1, 5)]
        )


def test_the_referrer_sees_their_rewards_on_the_leaderboard(
    client, publication, referrer, code, months_offered
):
    save_reward_tiers(publication, TIERS)
    refer(publication, code, "one@example.com")
    refer(publication, code, "two@example.com")
    client.force_login(referrer)

    response = client.get("/leaderboard/")

    assert response.status_code == 200
    assert b"Your rewards: 1 month of complimentary paid access." in response.content
    until = AccessGrant.objects.get(person=referrer).ends_at
    assert f"Complimentary paid access until {short_date(until)}." in response.content.decode()


def test_the_leaderboard_says_nothing_of_access_that_has_run_out(
    client, publication, referrer, code, months_offered
):
    save_reward_tiers(publication, TIERS)
    refer(publication, code, "one@example.com")
    refer(publication, code, "two@example.com")
    AccessGrant.objects.update(ends_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(referrer)

    response = client.get("/leaderboard/")

    assert b"Your rewards: 1 month of complimentary paid access." in response.content
    assert b"Complimentary paid access until" not in response.content


def test_suggested_rows_left_untouched_are_no_tiers(client, publication, owner):
    client.force_login(owner)
    suggested = [2, 10, 25]
    data = tier_data(*({"threshold": n, "description": ""} for n in suggested))
    data["tier-INITIAL_FORMS"] = "3"  # as the page sends it
    data["tier-0-description"] = "A shout-out in the next post"

    response = client.post(f"/desk/{publication.slug}/referrals/", data)

    assert response.status_code == 302
    assert list(RewardTier.objects.values_list("threshold", "description")) == [
        (2, "A shout-out in the next post")
    ]


def test_a_suggested_row_whose_threshold_was_changed_asks_for_its_reward(
    client, publication, owner
):
    client.force_login(owner)
    data = tier_data(*({"threshold": n, "description": ""} for n in [2, 12, 25]))
    data["tier-INITIAL_FORMS"] = "3"

    response = client.post(f"/desk/{publication.slug}/referrals/", data)

    assert response.status_code == 400
    assert response.context["formset"].errors[1] == {"description": ["Describe the reward."]}
    assert not RewardTier.objects.exists()
