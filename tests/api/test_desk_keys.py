"""The desk's API keys page: owners and admins create (shown once) and revoke keys."""

import pytest

from masthead.api.keys import digest_of
from masthead.api.models import ApiKey, KeyScope
from masthead.publications.models import Membership, Role
from tests.factories import make_person

pytestmark = pytest.mark.urls("tests.api.desk_urlconf")


def _url(publication) -> str:
    return f"/desk/{publication.slug}/api/"


def test_owner_creates_a_key_shown_once(client, publication, owner):
    client.force_login(owner)
    response = client.post(_url(publication), {"name": "Zapier", "scope": "write"})
    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert key.scope == KeyScope.WRITE and key.created_by == owner
    secret = response.context["new_key"].secret
    assert secret.encode() in response.content
    assert key.secret_digest == digest_of(secret)
    again = client.get(_url(publication))
    assert secret.encode() not in again.content
    assert key.prefix.encode() in again.content


def test_owner_revokes_a_key(client, publication, owner):
    client.force_login(owner)
    client.post(_url(publication), {"name": "Old", "scope": "read"})
    key = ApiKey.objects.get()
    response = client.post(f"{_url(publication)}{key.id}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.is_revoked


def test_authors_may_not_manage_keys(client, publication):
    author = make_person()
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    client.force_login(author)
    response = client.post(_url(publication), {"name": "Mine", "scope": "write"})
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


def test_strangers_get_404_and_anonymous_a_sign_in(client, publication, reader):
    client.force_login(reader)
    assert client.get(_url(publication)).status_code == 404
    client.logout()
    assert client.get(_url(publication)).status_code == 302


def test_keys_of_another_publication_cannot_be_revoked(client, publication, owner):
    from masthead.api.keys import create_key
    from tests.factories import make_publication

    other = create_key(make_publication(), make_person(), "Theirs", "read").key
    client.force_login(owner)
    response = client.post(f"{_url(publication)}{other.id}/revoke/")
    assert response.status_code == 404
    other.refresh_from_db()
    assert not other.is_revoked
