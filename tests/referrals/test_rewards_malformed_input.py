"""Reward tiers the desk cannot store are refused with a message, not a server error."""

import pytest
from django.urls import reverse

from masthead.referrals.models import RewardTier


def tier_data(threshold: str) -> dict:
    rows = [("2", "1"), ("10", "3"), (threshold, "12")]
    data = {"tier-TOTAL_FORMS": "3", "tier-INITIAL_FORMS": "0"}
    for index, (row_threshold, months) in enumerate(rows):
        data |= {
            f"tier-{index}-threshold": row_threshold,
            f"tier-{index}-kind": "custom",
            f"tier-{index}-description": f"A reward worth {months} mugs",
        }
    return data


@pytest.mark.parametrize("threshold", ["2147483648", "9223372036854775808", "9" * 40])
def test_a_threshold_beyond_any_integer_column_is_refused(client, publication, owner, threshold):
    client.force_login(owner)

    response = client.post(
        reverse("referrals:desk_rewards", args=[publication.slug]), tier_data(threshold)
    )

    assert response.status_code == 400
    assert "at most 1,000,000" in response.content.decode()
    assert not RewardTier.objects.filter(publication=publication).exists()


def test_the_largest_threshold_is_saved(client, publication, owner):
    client.force_login(owner)

    response = client.post(
        reverse("referrals:desk_rewards", args=[publication.slug]), tier_data("1000000")
    )

    assert response.status_code == 302
    assert RewardTier.objects.get(publication=publication, position=3).threshold == 1_000_000


def test_the_service_refuses_a_threshold_past_the_cap_whoever_calls_it():
    from django.core.exceptions import ValidationError

    from masthead.referrals.services import MAX_THRESHOLD, validate_tiers

    tier = {"threshold": MAX_THRESHOLD + 1, "kind": "custom", "description": "A mug"}
    with pytest.raises(ValidationError, match="at most"):
        validate_tiers([tier])
    validate_tiers([{**tier, "threshold": MAX_THRESHOLD}])
