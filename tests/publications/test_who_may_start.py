"""Who may start a publication: settings.PUBLICATION_CREATORS, one rule for the desk; the
operator's command line is not limited by it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from masthead.publications.models import Membership, Publication, Role
from masthead.publications.rules import can_create_publication
from tests.factories import make_person, make_publication

pytestmark = pytest.mark.django_db

NEW = {"name": "Night Shift", "slug": "", "tagline": ""}


def administrator():
    person = make_person()
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    return person


def team_member():
    person = make_person()
    Membership.objects.create(publication=make_publication(), person=person, role=Role.AUTHOR)
    return person


def start(client, person):
    client.force_login(person)
    return client.post(reverse("desk:publication_create"), NEW)


def test_by_default_a_reader_is_refused_with_an_explanation_and_nothing_is_made(client, reader):
    client.force_login(reader)

    page = client.get(reverse("desk:publication_create"))
    response = client.post(reverse("desk:publication_create"), NEW)

    assert page.status_code == response.status_code == 403
    assert "You cannot start a publication here" in page.text
    assert "administrator" in page.text
    assert not Publication.objects.filter(slug="night-shift").exists()


def test_by_default_a_team_member_is_refused_too(client):
    response = start(client, team_member())

    assert response.status_code == 403
    assert not Publication.objects.filter(slug="night-shift").exists()


@pytest.mark.parametrize("power", ["is_staff", "is_superuser"])
def test_by_default_administrators_may(client, power):
    person = make_person()
    setattr(person, power, True)
    person.save(update_fields=[power])

    response = start(client, person)

    assert response.status_code == 302
    assert Membership.objects.get(publication__slug="night-shift").person == person


def test_invited_lets_team_members_start_one_but_not_readers(client, reader, settings):
    settings.PUBLICATION_CREATORS = "invited"
    member = team_member()

    assert start(client, reader).status_code == 403
    assert start(client, member).status_code == 302

    assert Membership.objects.get(publication__slug="night-shift", role=Role.OWNER).person == member


def test_anyone_lets_every_signed_in_reader_start_one(client, reader, settings):
    settings.PUBLICATION_CREATORS = "anyone"

    response = start(client, reader)

    assert response.status_code == 302
    assert Membership.objects.get(publication__slug="night-shift").person == reader


def test_strangers_are_sent_to_sign_in(client, db, settings):
    settings.PUBLICATION_CREATORS = "anyone"

    response = client.post(reverse("desk:publication_create"), NEW)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert not Publication.objects.exists()


def test_the_desk_home_offers_to_start_one_only_to_those_who_may(client, reader):
    button = f'href="{reverse("desk:publication_create")}"'
    client.force_login(reader)
    assert button not in client.get(reverse("desk:home")).text

    client.force_login(administrator())
    assert button in client.get(reverse("desk:home")).text


def test_a_disabled_administrator_may_not(db):
    person = administrator()
    person.is_active = False

    assert not can_create_publication(person)


def test_the_operators_command_creates_one_for_any_owner(db, settings, capsys):
    settings.PUBLICATION_CREATORS = "staff"

    call_command("createpublication", name="Night Shift", owner="rita@example.com")

    membership = Membership.objects.get(publication__slug="night-shift")
    assert membership.person.email == "rita@example.com" and membership.role == Role.OWNER
    assert "Created Night Shift" in capsys.readouterr().out


def test_the_account_page_leads_an_administrator_to_start_one(client, reader):
    start_link = f'href="{reverse("desk:publication_create")}"'
    client.force_login(reader)
    assert start_link not in client.get(reverse("accounts:account")).text

    client.force_login(administrator())
    assert start_link in client.get(reverse("accounts:account")).text


def test_an_empty_install_tells_its_operator_how_to_start_the_first_publication(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "masthead createadmin" in response.text
    assert f'href="{reverse("desk:publication_create")}"' in response.text
    assert "masthead createpublication" in response.text
