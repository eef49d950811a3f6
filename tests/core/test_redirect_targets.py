"""`next` values and odd paths: a bad target falls back to our own page, never a 500."""

import pytest

from masthead.accounts.models import SignInLink
from masthead.accounts.services import sign_in_token
from masthead.core.redirects import safe_next_path
from tests.factories import make_person
from tests.referrals.conftest import confirm, sign_up


@pytest.mark.parametrize(
    "candidate",
    ["0", "accounts", "posts:home", "https://evil.example/", "//evil.example/x", "/\\evil",
     "javascript:alert(1)", "/ok\nLocation: x", "/" + "a" * 600, None, ""],
)  # fmt: skip
def test_anything_but_a_local_path_is_refused(candidate):
    assert safe_next_path(candidate) == ""


@pytest.mark.parametrize("candidate", ["/", "/p/a-post/#comments", "/pub/other/notes/?x=1"])
def test_local_paths_are_kept(candidate):
    assert safe_next_path(candidate) == candidate


@pytest.mark.parametrize("next_value", ["0", "accounts", "https://evil.example/"])
def test_leaderboard_anonymity_with_a_bad_next_goes_to_the_leaderboard(
    client, publication, next_value
):
    ann = make_person(email="ann@example.com")
    confirm(sign_up(publication, ann.email))
    client.force_login(ann)
    response = client.post(
        "/leaderboard/anonymity/",
        {"publication": publication.id, "appear_anonymously": "1", "next": next_value},
    )
    assert response.status_code == 302
    assert response["Location"] == "/leaderboard/"


@pytest.mark.parametrize("publication_value", ["abc", "1.5", "-3", "9" * 40, "٣", ""])
def test_leaderboard_anonymity_with_a_malformed_publication_is_not_found(
    client, publication, publication_value
):
    client.force_login(make_person(email="ann@example.com"))
    response = client.post(
        "/leaderboard/anonymity/", {"publication": publication_value, "appear_anonymously": "1"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("next_value", ["0", "accounts"])
def test_a_sign_in_link_asked_for_with_a_bad_next_still_signs_in(client, db, next_value):
    response = client.post("/sign-in/", {"email": "rita@example.com", "next": next_value})
    assert response.status_code == 200
    link = SignInLink.objects.get(email="rita@example.com")
    assert link.next_url == ""
    response = client.post(f"/sign-in/{sign_in_token(link)}/", follow=False)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_a_stored_bad_next_falls_back_to_the_account_page(client, db):
    link = SignInLink.objects.create(email="rita@example.com", next_url="accounts")
    response = client.post(f"/sign-in/{sign_in_token(link)}/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"


@pytest.mark.parametrize("name", ["a" * 256, "x/" + "b" * 300 + ".png", "a%00b"])
def test_media_with_a_name_no_file_can_have_is_not_found(client, db, name):
    assert client.get(f"/media/{name}").status_code == 404
