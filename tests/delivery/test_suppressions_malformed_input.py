"""The desk's suppressions search takes what a person can type into a URL, NUL bytes included."""

from django.urls import reverse

from masthead.delivery.models import Suppression
from masthead.publications.models import Membership, Role
from tests.factories import make_person


def test_a_nul_in_the_search_is_left_out(client, publication):
    owner = make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    Suppression.objects.create(email="gone@example.com", reason="hard_bounce")
    Suppression.objects.create(email="other@example.net", reason="complaint")
    client.force_login(owner)

    response = client.get(
        reverse("bounces:desk_suppressions", args=[publication.slug]), {"q": "example\x00.net"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "other@example.net" in body and "gone@example.com" not in body
