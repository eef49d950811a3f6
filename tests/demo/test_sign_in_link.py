"""`masthead signinlink`: the demo banner's way into the desk, a real single-use sign-in link."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from masthead.publications.models import Membership, Role
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def sign_in_link(email: str) -> str:
    output = StringIO()
    call_command("signinlink", email, stdout=output)
    return output.getvalue().strip()


def test_the_link_signs_the_writer_in_and_opens_the_desk(client, settings, publication):
    settings.BASE_URL = "http://127.0.0.1:8123"
    writer = make_person(name="Wendy Writer", email="wendy@example.com")
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    url = sign_in_link("Wendy@Example.com")
    path = re.fullmatch(r"http://127\.0\.0\.1:8123(/sign-in/\S+/)", url)[1]

    assert client.get(path).status_code == 200  # the one-button page; nothing spent yet
    response = client.post(path, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0] == "/desk/"
    assert response.wsgi_request.user == writer
    assert publication.name in response.content.decode()


def test_the_link_works_once(client):
    make_person(email="wendy@example.com")
    path = sign_in_link("wendy@example.com").removeprefix("http://127.0.0.1:8000")
    client.post(path)
    client.logout()

    response = client.post(path)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_an_unknown_address_gets_no_link_and_no_account():
    from masthead.accounts.models import Person, SignInLink

    with pytest.raises(CommandError, match="No active account has the address typo@example.com"):
        sign_in_link("typo@example.com")

    assert not Person.objects.exists() and not SignInLink.objects.exists()
