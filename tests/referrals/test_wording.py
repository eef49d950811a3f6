"""One truth, worded once: the reader's anonymity choice, and rewards that exist."""

import re

import pytest

from masthead.billing.models import BillingSettings
from masthead.referrals import queries, services
from masthead.referrals.forms import TierForm, tier_formset
from masthead.referrals.models import ReferralCode, RewardKind, RewardTier
from masthead.referrals.services import referral_code_for, set_appear_anonymously
from tests.billing.conftest import priced  # noqa: F401
from tests.factories import make_person
from tests.referrals.conftest import confirm, sign_up

pytestmark = pytest.mark.django_db

PAGES = ["/leaderboard/", "/account/"]


def anonymity_text(response) -> str:
    match = re.search(rb'<p data-testid="anonymity">(.*?)</p>', response.content, re.S)
    assert match, "no anonymity line on the page"
    return re.sub(r"<[^>]+>", "", match.group(1).decode()).strip()


@pytest.fixture
def signed_in_subscriber(client, publication, reader):
    confirm(sign_up(publication, reader.email))
    referral_code_for(publication, reader)
    client.force_login(reader)
    return reader


@pytest.mark.parametrize("page", PAGES)
def test_a_named_reader_is_told_their_name_and_offered_anonymity(
    client, publication, signed_in_subscriber, page
):
    response = client.get(page)

    assert response.status_code == 200
    assert anonymity_text(response) == (
        "You appear as “Rita Reader” on the Leaderboard. Appear anonymously"
    )
    assert b'name="appear_anonymously" value="1"' in response.content


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_reader_is_told_so_and_offered_their_name(
    client, publication, signed_in_subscriber, page
):
    set_appear_anonymously(publication, signed_in_subscriber, True)

    response = client.get(page)

    assert response.status_code == 200
    assert anonymity_text(response) == (
        "You appear as “Anonymous reader” on the Leaderboard. Show my name"
    )
    assert b'name="appear_anonymously" value="0"' in response.content
    assert b"Appear anonymously" not in response.content


def test_both_pages_word_the_choice_identically(client, publication, signed_in_subscriber):
    for anonymous in (False, True):
        set_appear_anonymously(publication, signed_in_subscriber, anonymous)
        leaderboard, account = (anonymity_text(client.get(page)) for page in PAGES)
        assert leaderboard == account


@pytest.mark.parametrize("page", PAGES)
def test_a_reader_without_a_name_is_told_they_appear_anonymous(client, publication, page):
    nameless = make_person(email="nameless@example.com")
    nameless.display_name = ""
    nameless.save(update_fields=["display_name"])
    confirm(sign_up(publication, nameless.email))
    client.force_login(nameless)

    text = anonymity_text(client.get(page))

    assert text.startswith("You appear as “Anonymous reader” on the Leaderboard until you set")
    assert "nameless@example.com" not in text


def test_the_switch_confirms_the_same_words(client, publication, signed_in_subscriber):
    response = client.post(
        "/leaderboard/anonymity/",
        {"publication": publication.id, "appear_anonymously": "0", "next": "/account/"},
        follow=True,
    )

    assert "You appear as “Rita Reader” on the Leaderboard." in response.content.decode()
    assert ReferralCode.objects.get(person=signed_in_subscriber).appear_anonymously is False


# Rewards: only what exists.


def test_only_custom_rewards_are_offered_while_paid_plans_do_not_exist(publication):
    assert services.offered_reward_kinds(publication) == [RewardKind.CUSTOM]


def test_months_of_paid_access_are_offered_once_readers_can_pay(priced, publication):  # noqa: F811
    assert services.offered_reward_kinds(publication) == [RewardKind.CUSTOM, RewardKind.MONTHS]


def test_paid_access_is_not_offered_when_the_writer_turns_paid_off(priced, publication):  # noqa: F811
    BillingSettings.objects.filter(publication=publication).update(is_paid_on=False)

    assert services.offered_reward_kinds(publication) == [RewardKind.CUSTOM]


def test_the_tier_form_does_not_offer_months_of_paid_access(publication):
    form = tier_formset(publication).forms[0]

    assert [value for value, _ in form.fields["kind"].choices] == [RewardKind.CUSTOM]
    assert "months" not in form.fields


def test_the_tier_form_refuses_months_of_paid_access():
    form = TierForm(
        {"threshold": "2", "kind": "months", "months": "1"}, offered=[RewardKind.CUSTOM]
    )

    assert not form.is_valid()
    assert "kind" in form.errors


def test_the_tier_form_offers_months_once_readers_can_pay(priced, publication):  # noqa: F811
    form = tier_formset(publication).forms[0]

    assert [value for value, _ in form.fields["kind"].choices] == [
        RewardKind.MONTHS,
        RewardKind.CUSTOM,
    ]
    assert "months" in form.fields


def test_the_desk_page_does_not_offer_paid_access(client, publication, owner):
    client.force_login(owner)

    response = client.get(f"/desk/{publication.slug}/referrals/")

    assert response.status_code == 200
    assert b'value="months"' not in response.content
    assert b"paid access" not in response.content


def test_posting_a_months_tier_to_the_desk_is_refused(client, publication, owner):
    client.force_login(owner)
    data = {
        "tier-TOTAL_FORMS": "3",
        "tier-INITIAL_FORMS": "0",
        "tier-0-threshold": "2",
        "tier-0-kind": "months",
        "tier-0-months": "1",
        "tier-1-kind": "custom",
        "tier-2-kind": "custom",
    }

    response = client.post(f"/desk/{publication.slug}/referrals/", data)

    assert response.status_code == 400
    assert not RewardTier.objects.exists()


@pytest.fixture
def old_tiers(publication):
    """Tiers saved before paid access stopped being offered."""
    return [
        RewardTier.objects.create(
            publication=publication, position=1, threshold=2, kind=RewardKind.MONTHS, months=3
        ),
        RewardTier.objects.create(
            publication=publication,
            position=2,
            threshold=5,
            kind=RewardKind.CUSTOM,
            description="A mug",
        ),
    ]


def test_the_desk_saves_a_months_tier_once_readers_can_pay(
    client,
    publication,
    owner,
    priced,  # noqa: F811
):
    client.force_login(owner)
    data = {
        "tier-TOTAL_FORMS": "3",
        "tier-INITIAL_FORMS": "0",
        "tier-0-threshold": "2",
        "tier-0-kind": "months",
        "tier-0-months": "1",
        "tier-1-kind": "custom",
        "tier-2-kind": "custom",
    }

    response = client.post(f"/desk/{publication.slug}/referrals/", data)

    assert response.status_code == 302
    assert list(RewardTier.objects.values_list("threshold", "kind", "months")) == [
        (2, RewardKind.MONTHS, 1)
    ]


def test_readers_are_promised_months_tiers_once_they_can_pay(
    client,
    publication,
    old_tiers,
    priced,  # noqa: F811
):
    assert queries.reward_tiers(publication) == old_tiers
    assert queries.unoffered_tiers(publication) == []

    response = client.get("/leaderboard/")

    assert b"3 months of complimentary paid access" in response.content


def test_readers_are_not_promised_months_tiers(client, publication, old_tiers):
    assert queries.reward_tiers(publication) == [old_tiers[1]]

    response = client.get("/leaderboard/")

    assert b"A mug" in response.content
    assert b"paid access" not in response.content


def test_the_desk_shows_months_tiers_as_not_offered(client, publication, owner, old_tiers):
    client.force_login(owner)

    response = client.get(f"/desk/{publication.slug}/referrals/")

    assert response.status_code == 200
    notice = re.search(rb'data-testid="unoffered-tiers">(.*?)</div>', response.content, re.S).group(
        1
    )
    assert b"3 months of complimentary paid access" in notice
    assert b"not offered while paid subscriptions are off" in notice
    # The writer can change it: the row keeps its threshold and offers a custom reward.
    formset = tier_formset(publication)
    assert formset.forms[0].initial["threshold"] == 2
    assert formset.forms[0].initial["kind"] == RewardKind.CUSTOM


def test_the_writer_replaces_a_months_tier_with_a_custom_reward(
    client, publication, owner, old_tiers
):
    client.force_login(owner)
    data = {"tier-TOTAL_FORMS": "3", "tier-INITIAL_FORMS": "0"}
    for index, (threshold, description) in enumerate([("2", "A sticker"), ("5", "A mug")]):
        data |= {
            f"tier-{index}-threshold": threshold,
            f"tier-{index}-kind": "custom",
            f"tier-{index}-description": description,
        }

    response = client.post(f"/desk/{publication.slug}/referrals/", data)

    assert response.status_code == 302
    assert not RewardTier.objects.filter(kind=RewardKind.MONTHS).exists()
    assert queries.unoffered_tiers(publication) == []
