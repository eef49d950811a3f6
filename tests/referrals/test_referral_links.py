"""Every subscriber's personal referral link: stable, on the account page, for the newsletter."""

import pytest

from masthead.referrals.models import ReferralCode
from masthead.referrals.services import referral_code_for, referral_link
from masthead.subscriptions.models import Subscription
from tests.referrals.conftest import confirm, sign_up

pytestmark = pytest.mark.django_db


def test_a_referral_code_is_created_once_and_is_url_safe(publication, reader):
    first = referral_code_for(publication, reader)
    again = referral_code_for(publication, reader)

    assert first.id == again.id
    assert len(first.code) == 8
    assert first.code.replace("-", "").replace("_", "").isalnum()


def test_the_referral_link_is_the_publication_home_with_the_code(publication, reader, settings):
    settings.BASE_URL = "https://news.example"
    subscription = confirm(sign_up(publication, reader.email))

    link = referral_link(subscription)

    code = ReferralCode.objects.get(person=reader).code
    assert link == f"https://news.example/?r={code}"


def test_the_account_page_shows_the_link_for_each_active_subscription(client, publication, reader):
    subscription = confirm(sign_up(publication, reader.email))
    client.force_login(reader)

    response = client.get("/account/")

    assert response.status_code == 200
    code = ReferralCode.objects.get(person=reader).code
    assert f"?r={code}".encode() in response.content
    assert f'id="referral-link-{subscription.id}"'.encode() in response.content


def test_the_account_page_shows_no_link_for_a_pending_subscription(client, publication, reader):
    sign_up(publication, reader.email)
    client.force_login(reader)

    response = client.get("/account/")

    assert b"referral-link" not in response.content
    assert not ReferralCode.objects.exists()
    assert Subscription.objects.get().status == "pending"


def test_arriving_with_a_code_records_it_on_the_subscription(client, publication, reader):
    code = referral_code_for(publication, reader).code
    client.get(f"/?r={code}")

    client.post("/subscribe/", {"email": "friend@example.com"})

    assert Subscription.objects.get(person__email="friend@example.com").referral_code == code


def test_links_for_a_whole_newsletter_take_a_fixed_number_of_queries(
    publication, django_assert_max_num_queries
):
    from masthead.referrals.services import referral_links
    from tests.factories import make_person

    people = [make_person() for _ in range(20)]
    known = referral_code_for(publication, people[0]).code

    with django_assert_max_num_queries(5):
        links = referral_links(publication, [person.id for person in people])

    assert len(links) == 20
    assert links[people[0].id].endswith(f"?r={known}")
    assert ReferralCode.objects.count() == 20
    assert len({link for link in links.values()}) == 20


def test_the_anonymity_switch_on_the_account_page_returns_there(client, publication, reader):
    confirm(sign_up(publication, reader.email))
    client.force_login(reader)

    response = client.post(
        "/leaderboard/anonymity/",
        {"publication": publication.id, "appear_anonymously": "1", "next": "/account/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert ReferralCode.objects.get(person=reader).appear_anonymously is True
    assert "Show my name" in client.get("/account/").content.decode()
