"""The desk's front door: who may enter, creating a publication, inviting the team."""

import re

import pytest
from django.urls import reverse

from masthead.publications.models import Membership, Publication, Role
from masthead.publications.services import invitation_token
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def staff(publication, role=Role.OWNER):
    person = make_person()
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


def test_the_desk_sends_strangers_to_sign_in(client, publication):
    response = client.get(reverse("desk:dashboard", args=[publication.slug]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_a_reader_cannot_see_a_publications_desk(client, publication, reader):
    client.force_login(reader)

    assert client.get(reverse("desk:dashboard", args=[publication.slug])).status_code == 404
    assert client.get(reverse("desk:team", args=[publication.slug])).status_code == 404


def test_an_author_cannot_manage_the_team(client, publication):
    client.force_login(staff(publication, Role.AUTHOR))

    assert client.get(reverse("desk:dashboard", args=[publication.slug])).status_code == 200
    assert client.get(reverse("desk:team", args=[publication.slug])).status_code == 403


def test_whoever_starts_a_publication_owns_it(client, reader, settings):
    settings.PUBLICATION_CREATORS = "anyone"
    client.force_login(reader)

    response = client.post(reverse("desk:publication_create"), {"name": "Night Shift", "slug": ""})

    publication = Publication.objects.get(slug="night-shift")
    assert response.status_code == 302
    assert Membership.objects.get(publication=publication).person == reader
    assert Membership.objects.get(publication=publication).role == Role.OWNER


def test_a_taken_slug_is_refused_with_a_message(client, publication, reader, settings):
    settings.PUBLICATION_CREATORS = "anyone"
    client.force_login(reader)

    response = client.post(
        reverse("desk:publication_create"), {"name": "X", "slug": publication.slug}
    )

    assert response.status_code == 400
    assert "is taken" in response.text


def invite(client, publication, email="new.writer@example.com", role="author"):
    client.force_login(staff(publication))
    response = client.post(
        reverse("desk:team", args=[publication.slug]), {"email": email, "role": role}
    )
    client.logout()
    return response


def emailed_link(sink, email, path) -> str:
    url = next(u for u in sink.last_to(email).links() if path in u)
    return re.sub(r"^https?://[^/]+", "", url)


def test_an_owner_invites_an_author_who_signs_in_by_email_and_joins(
    client, publication, smtp_sink, run_worker
):
    response = invite(client, publication)
    run_worker()
    assert response.status_code == 302
    join_url = emailed_link(smtp_sink, "new.writer@example.com", "/desk/join/")

    page = client.get(join_url)
    assert page.status_code == 200 and "Join The Daily Build" in page.text
    asked = client.post(join_url)  # not signed in: the invitation asks for a sign-in link
    run_worker()
    assert asked.status_code == 200
    assert "_auth_user_id" not in client.session  # the invitation link signs no one in
    assert not Membership.objects.filter(person__email="new.writer@example.com").exists()

    sign_in_url = emailed_link(smtp_sink, "new.writer@example.com", "/sign-in/")
    client.get(sign_in_url)
    back = client.post(sign_in_url)
    assert back.status_code == 302 and back["Location"] == join_url
    assert "Accept the invitation" in client.get(join_url).text
    joined = client.post(join_url)

    assert joined.status_code == 302
    assert joined["Location"] == reverse("desk:dashboard", args=[publication.slug])
    membership = Membership.objects.get(person__email="new.writer@example.com")
    assert membership.role == Role.AUTHOR and membership.publication == publication
    assert client.get(join_url).status_code == 400  # the link works once
    assert client.post(join_url).status_code == 400


def test_the_invited_person_signed_in_joins_with_one_press(client, publication, smtp_sink):
    invite(client, publication)
    invited = make_person(email="new.writer@example.com")
    token = invitation_token(publication.invitations.get())
    url = reverse("desk:accept_invitation", args=[token])
    client.force_login(invited)

    page = client.get(url)
    assert page.status_code == 200
    assert not Membership.objects.filter(person=invited).exists()  # opening joins no one
    response = client.post(url)

    assert response.status_code == 302
    assert Membership.objects.get(person=invited).role == Role.AUTHOR
    assert page["Referrer-Policy"] == "same-origin"


def test_someone_signed_in_as_another_address_cannot_accept(
    client, publication, reader, smtp_sink, run_worker
):
    invite(client, publication)
    url = reverse("desk:accept_invitation", args=[invitation_token(publication.invitations.get())])
    client.force_login(reader)

    page = client.get(url)
    response = client.post(url)
    run_worker()

    assert page.status_code == response.status_code == 200
    assert "Accept the invitation" not in page.text
    assert "n…\u2060@example.com" in page.text and "new.writer@example.com" not in page.text
    assert not Membership.objects.filter(person=reader).exists()
    assert publication.invitations.get().accepted_at is None
    # What it did: email the invited address a sign-in link, not the person who pressed.
    assert smtp_sink.last_to("new.writer@example.com").subject == "Your sign-in link"
    assert smtp_sink.to(reader.email) == []


def test_accepting_needs_the_pages_csrf_token(publication, smtp_sink):
    from django.test import Client

    invite(Client(), publication)
    invited = make_person(email="new.writer@example.com")
    url = reverse("desk:accept_invitation", args=[invitation_token(publication.invitations.get())])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(invited)

    assert browser.post(url).status_code == 403
    assert not Membership.objects.filter(person=invited).exists()


def test_asking_for_sign_in_links_through_an_invitation_is_rate_limited(
    client, publication, settings, smtp_sink
):
    settings.SIGN_IN_RATE_PER_ADDRESS = (1, 900)
    invite(client, publication)
    url = reverse("desk:accept_invitation", args=[invitation_token(publication.invitations.get())])

    assert client.post(url).status_code == 200
    response = client.post(url)

    assert response.status_code == 429
    assert "Too many attempts" in response.text


@pytest.mark.parametrize("token", ["garbage", "x" * 300])
def test_a_bad_invitation_link_gets_the_error_page(client, publication, token):
    for method in (client.get, client.post):
        response = method(reverse("desk:accept_invitation", args=[token]))
        assert response.status_code == 400
        assert "not valid" in response.text


def test_an_invitation_cannot_make_an_owner(client, publication):
    client.force_login(staff(publication))

    response = client.post(
        reverse("desk:team", args=[publication.slug]), {"email": "x@example.com", "role": "owner"}
    )

    assert response.status_code == 400
    assert not publication.invitations.exists()


def test_an_admin_sets_who_may_comment_and_the_about_text(client, publication):
    client.force_login(staff(publication, Role.ADMIN))

    response = client.post(
        reverse("desk:settings", args=[publication.slug]),
        {"name": "The  Daily Build", "tagline": "", "about": "We <script>x</script> *build*.",
         "comment_policy": "subscribers"},
    )  # fmt: skip

    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.comment_policy == "subscribers"
    assert publication.name == "The Daily Build"
    assert "<em>build</em>" in publication.about_html and "<script>" not in publication.about_html


def test_an_unknown_comment_policy_is_refused(client, publication):
    client.force_login(staff(publication))

    response = client.post(
        reverse("desk:settings", args=[publication.slug]),
        {"name": "X", "comment_policy": "everyone-on-earth"},
    )

    assert response.status_code == 400
    publication.refresh_from_db()
    assert publication.comment_policy == "signed_in"


def test_an_author_cannot_change_settings(client, publication):
    client.force_login(staff(publication, Role.AUTHOR))

    assert client.get(reverse("desk:settings", args=[publication.slug])).status_code == 403
