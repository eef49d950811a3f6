"""The desk's front door: who may enter, creating a publication, inviting the team."""

import re

import pytest
from django.urls import reverse

from masthead.publications.models import Membership, Publication, Role
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


def test_anyone_signed_in_can_start_a_publication_and_owns_it(client, reader):
    client.force_login(reader)

    response = client.post(reverse("desk:publication_create"), {"name": "Night Shift", "slug": ""})

    publication = Publication.objects.get(slug="night-shift")
    assert response.status_code == 302
    assert Membership.objects.get(publication=publication).person == reader
    assert Membership.objects.get(publication=publication).role == Role.OWNER


def test_a_taken_slug_is_refused_with_a_message(client, publication, reader):
    client.force_login(reader)

    response = client.post(
        reverse("desk:publication_create"), {"name": "X", "slug": publication.slug}
    )

    assert response.status_code == 400
    assert "is taken" in response.text


def test_an_owner_invites_an_author_who_joins_by_the_emailed_link(
    client, publication, smtp_sink, run_worker
):
    client.force_login(staff(publication))
    response = client.post(
        reverse("desk:team", args=[publication.slug]),
        {"email": "new.writer@example.com", "role": "author"},
    )
    run_worker()
    client.logout()

    assert response.status_code == 302
    message = smtp_sink.last_to("new.writer@example.com")
    url = re.sub(r"^https?://[^/]+", "", next(u for u in message.links() if "/desk/join/" in u))
    joined = client.get(url)

    assert joined.status_code == 302
    membership = Membership.objects.get(person__email="new.writer@example.com")
    assert membership.role == Role.AUTHOR and membership.publication == publication
    assert client.get(url).status_code == 400  # the link works once


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
