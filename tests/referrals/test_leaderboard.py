"""The Leaderboard page: order, ties, anonymity, the viewer's own rank and link, query count."""

import pytest
import time_machine

from masthead.referrals.models import ReferralCode
from masthead.referrals.services import referral_code_for, save_reward_tiers
from tests.factories import make_person
from tests.referrals.conftest import confirm, refer, sign_up

pytestmark = pytest.mark.django_db


def subscriber(publication, name: str, email: str):
    person = make_person(name=name, email=email)
    confirm(sign_up(publication, email))
    return person


def names_on(response) -> list[tuple[str, int]]:
    return [(entry.name, entry.referral_count) for entry in response.context["entries"]]


def test_referrers_are_ranked_by_confirmed_referrals(client, publication):
    ann = subscriber(publication, "Ann", "ann@example.com")
    bob = subscriber(publication, "Bob", "bob@example.com")
    refer(publication, referral_code_for(publication, ann).code, "f1@example.com")
    for number in range(2, 4):
        refer(publication, referral_code_for(publication, bob).code, f"f{number}@example.com")

    response = client.get("/leaderboard/")

    assert response.status_code == 200
    assert names_on(response) == [("Bob", 2), ("Ann", 1)]


def test_a_tie_goes_to_who_reached_the_count_first(client, publication):
    late = subscriber(publication, "Late", "late@example.com")
    early = subscriber(publication, "Early", "early@example.com")
    with time_machine.travel("2026-01-01 10:00Z"):
        refer(publication, referral_code_for(publication, early).code, "f1@example.com")
    with time_machine.travel("2026-01-02 10:00Z"):
        refer(publication, referral_code_for(publication, late).code, "f2@example.com")

    response = client.get("/leaderboard/")

    assert names_on(response) == [("Early", 1), ("Late", 1)]


def test_a_referrer_who_chose_anonymity_appears_as_anonymous_reader(client, publication):
    ann = subscriber(publication, "Ann Secret", "ann@example.com")
    refer(publication, referral_code_for(publication, ann).code, "f1@example.com")
    client.force_login(ann)

    response = client.post(
        "/leaderboard/anonymity/",
        {"publication": publication.id, "appear_anonymously": "1", "next": "/leaderboard/"},
    )

    assert response.status_code == 302
    assert ReferralCode.objects.get(person=ann).appear_anonymously is True
    client.logout()
    page = client.get("/leaderboard/")
    assert names_on(page) == [("Anonymous reader", 1)]
    assert b"Ann Secret" not in page.content


def test_anonymity_can_be_switched_off_again(client, publication):
    ann = subscriber(publication, "Ann", "ann@example.com")
    client.force_login(ann)
    client.post(
        "/leaderboard/anonymity/", {"publication": publication.id, "appear_anonymously": "1"}
    )

    client.post(
        "/leaderboard/anonymity/", {"publication": publication.id, "appear_anonymously": "0"}
    )

    assert ReferralCode.objects.get(person=ann).appear_anonymously is False


def test_strangers_cannot_set_anonymity(client, publication):
    response = client.post("/leaderboard/anonymity/", {"publication": publication.id})

    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
    assert not ReferralCode.objects.exists()


def test_a_reader_not_subscribed_cannot_set_anonymity(client, publication, reader):
    client.force_login(reader)

    response = client.post(
        "/leaderboard/anonymity/", {"publication": publication.id, "appear_anonymously": "1"}
    )

    assert response.status_code == 404
    assert not ReferralCode.objects.exists()


def test_a_signed_in_subscriber_sees_their_rank_and_link(client, publication):
    ann = subscriber(publication, "Ann", "ann@example.com")
    bob = subscriber(publication, "Bob", "bob@example.com")
    refer(publication, referral_code_for(publication, bob).code, "f1@example.com")
    refer(publication, referral_code_for(publication, bob).code, "f2@example.com")
    refer(publication, referral_code_for(publication, ann).code, "f3@example.com")
    client.force_login(ann)

    response = client.get("/leaderboard/")

    assert response.status_code == 200
    standing = response.context["standing"]
    assert (standing.rank, standing.referral_count) == (2, 1)
    code = ReferralCode.objects.get(person=ann).code
    assert f"?r={code}" in response.context["referral_link"]
    assert f"?r={code}".encode() in response.content
    assert b"(you)" in response.content


def test_names_with_markup_are_shown_as_text(client, publication):
    evil = subscriber(publication, "<script>alert(1)</script>", "evil@example.com")
    refer(publication, referral_code_for(publication, evil).code, "f1@example.com")

    response = client.get("/leaderboard/")

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_the_reward_tiers_are_listed(client, publication):
    save_reward_tiers(
        publication,
        [
            {"threshold": 2, "kind": "months", "months": 1},
            {"threshold": 10, "kind": "custom", "description": "A mug"},
        ],
    )

    response = client.get("/leaderboard/")

    # Paid plans do not exist yet: a months tier is not promised to readers.
    assert b"paid access" not in response.content
    assert b"A mug" in response.content


def test_the_leaderboard_shows_at_most_a_hundred_referrers(client, publication, monkeypatch):
    monkeypatch.setattr("masthead.referrals.queries.LEADERBOARD_SIZE", 2)
    for number in range(3):
        person = subscriber(publication, f"R{number}", f"r{number}@example.com")
        refer(publication, referral_code_for(publication, person).code, f"f{number}@example.com")

    response = client.get("/leaderboard/")

    assert len(response.context["entries"]) == 2


def test_the_leaderboard_query_count_does_not_grow_with_referrers(
    client, publication, django_assert_max_num_queries
):
    viewer = subscriber(publication, "Viewer", "viewer@example.com")
    refer(publication, referral_code_for(publication, viewer).code, "fv@example.com")
    for number in range(12):
        person = subscriber(publication, f"R{number}", f"r{number}@example.com")
        for friend in range(number % 3 + 1):
            refer(
                publication,
                referral_code_for(publication, person).code,
                f"f{number}-{friend}@example.com",
            )
    client.force_login(viewer)
    client.get("/leaderboard/")  # warm the session and publication lookups

    with django_assert_max_num_queries(13):  # 12, and the header's "subscribed?"
        response = client.get("/leaderboard/")

    assert response.status_code == 200
    assert len(response.context["entries"]) == 13
