"""Addresses at the door: the subscribe, sign-in and invitation forms store the normalised address."""

import pytest
from django.urls import reverse

from masthead.accounts.models import Person, SignInLink
from masthead.publications.models import Invitation, Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person

pytestmark = pytest.mark.django_db

UTF8_REFUSAL = "The part before the @ has characters our mail server cannot deliver to"


def subscribe(client, email):
    return client.post(reverse("subscriptions:subscribe"), {"email": email})


def test_an_idn_address_is_stored_and_mailed_in_its_ascii_form(
    client, publication, plain_sink, run_worker
):
    response = subscribe(client, "Reader@Bücher.example")
    run_worker()

    assert response.status_code == 200
    assert "reader@bücher.example" in response.text  # shown as the reader typed it
    subscription = Subscription.objects.get()
    assert subscription.person.email == "reader@xn--bcher-kva.example"
    assert subscription.status == SubscriptionStatus.PENDING
    assert plain_sink.last_to("reader@xn--bcher-kva.example")


def test_the_unicode_and_ascii_forms_are_one_subscriber(client, publication, plain_sink):
    subscribe(client, "reader@bücher.example")
    subscribe(client, "READER@xn--bcher-kva.example")

    assert Person.objects.count() == 1
    assert Subscription.objects.count() == 1


def test_a_utf8_local_part_is_refused_when_the_server_lacks_smtputf8(
    client, publication, plain_sink
):
    response = subscribe(client, "josé@example.com")

    assert response.status_code == 400
    assert UTF8_REFUSAL in response.text
    assert not Subscription.objects.exists() and not Person.objects.exists()


def test_a_utf8_local_part_is_accepted_when_the_server_offers_smtputf8(
    client, publication, smtputf8_sink
):
    response = subscribe(client, "José@Bücher.example")

    assert response.status_code == 200
    assert Subscription.objects.get().person.email == "josé@xn--bcher-kva.example"


@pytest.mark.parametrize(
    "email",
    ["reader@[127.0.0.1]", '"reader"@example.com', "reader@example.com.", "reader@exa_mple.com"],
)
def test_addresses_we_cannot_send_to_get_a_form_error_not_a_500(client, publication, email):
    response = subscribe(client, email)

    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    assert not Person.objects.exists()


def test_sign_in_stores_the_ascii_form_and_reads_the_same_with_or_without_an_account(
    client, publication, plain_sink
):
    make_person(email="known@xn--bcher-kva.example")

    known = client.post(reverse("accounts:sign_in"), {"email": "Known@Bücher.example"})
    unknown = client.post(reverse("accounts:sign_in"), {"email": "stranger@bücher.example"})

    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("known", "X") == unknown.text.replace("stranger", "X")
    assert set(SignInLink.objects.values_list("email", flat=True)) <= {
        "known@xn--bcher-kva.example",
        "stranger@xn--bcher-kva.example",
    }
    assert SignInLink.objects.filter(email="known@xn--bcher-kva.example").exists()


def test_sign_in_refuses_a_utf8_local_part_the_same_way_for_everyone(
    client, publication, plain_sink
):
    response = client.post(reverse("accounts:sign_in"), {"email": "josé@example.com"})

    assert response.status_code == 400
    assert UTF8_REFUSAL in response.text
    assert not SignInLink.objects.exists()


def test_an_invitation_to_an_idn_address_is_stored_in_its_ascii_form(
    client, publication, plain_sink
):
    owner = make_person(email="owner@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)

    response = client.post(
        reverse("desk:team", args=[publication.slug]),
        {"email": "Writer@Bücher.example", "role": Role.AUTHOR},
    )

    assert response.status_code == 302
    assert Invitation.objects.get().email == "writer@xn--bcher-kva.example"


def test_an_invitation_to_an_address_we_cannot_send_to_is_refused(client, publication, plain_sink):
    owner = make_person(email="owner@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)

    response = client.post(
        reverse("desk:team", args=[publication.slug]),
        {"email": "writer@[10.0.0.1]", "role": Role.AUTHOR},
    )

    assert response.status_code == 400
    assert "IP address" in response.text
    assert not Invitation.objects.exists()
