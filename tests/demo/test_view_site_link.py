"""The desk links to the public site of the publication it is showing."""

import pytest

from masthead.publications.models import Membership, Role
from tests.factories import make_person, make_publication

pytestmark = pytest.mark.django_db


def test_the_dashboard_links_to_its_publications_site(client, publication):
    owner = make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)

    page = client.get(f"/desk/{publication.slug}/")

    assert page.status_code == 200
    assert '<a class="desk-header__site" href="/pub/daily-build/">View site</a>' in page.text
    assert client.get("/pub/daily-build/").status_code == 200


def test_the_list_of_publications_links_to_the_site(client, publication):
    owner = make_person()
    for each in (publication, make_publication()):
        Membership.objects.create(publication=each, person=owner, role=Role.OWNER)
    client.force_login(owner)

    page = client.get("/desk/")

    assert page.status_code == 200
    assert '<a class="desk-header__site" href="/">View site</a>' in page.text
