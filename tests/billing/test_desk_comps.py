"""Comps: a writer gives a person paid access by address for some months or for good; it covers
them until it ends, ending it now ends the access, and only owners and admins may."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from masthead.accounts.models import Person
from masthead.billing import comps
from masthead.billing.access import has_paid_access
from masthead.billing.models import AccessGrant, GrantKind
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person

NOW = dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)


def comps_url(publication) -> str:
    return reverse("desk:billing:desk_comps", args=[publication.slug])


def end_url(publication, grant) -> str:
    return reverse("desk:billing:desk_comp_end", args=[publication.slug, grant.pk])


@pytest.fixture
def owner(publication):
    person = make_person(name="Olive Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@time_machine.travel(NOW, tick=False)
def test_a_comp_gives_paid_access_until_it_expires(owner_client, publication, owner):
    response = owner_client.post(
        comps_url(publication),
        {"email": "friend@example.com", "months": "3", "note": "Podcast guest"},
    )

    assert response.status_code == 302
    grant = AccessGrant.objects.get()
    friend = Person.objects.get(email="friend@example.com")
    assert (grant.kind, grant.person, grant.granted_by, grant.note) == (
        GrantKind.COMP,
        friend,
        owner,
        "Podcast guest",
    )
    assert grant.ends_at == dt.datetime(2027, 2, 15, 12, 0, tzinfo=dt.UTC)
    assert has_paid_access(friend, publication.pk)
    subscription = Subscription.objects.get(publication=publication, person=friend)
    assert subscription.status == SubscriptionStatus.ACTIVE
    with time_machine.travel(dt.datetime(2027, 2, 15, 11, 59, tzinfo=dt.UTC), tick=False):
        assert has_paid_access(friend, publication.pk)
    with time_machine.travel(dt.datetime(2027, 2, 15, 12, 1, tzinfo=dt.UTC), tick=False):
        assert not has_paid_access(friend, publication.pk)


@time_machine.travel(NOW, tick=False)
def test_a_comp_forever_has_no_end(owner_client, publication):
    owner_client.post(comps_url(publication), {"email": "ever@example.com", "is_forever": "on"})

    grant = AccessGrant.objects.get()
    assert grant.ends_at is None
    with time_machine.travel(NOW + dt.timedelta(days=3650), tick=False):
        assert has_paid_access(grant.person, publication.pk)


def test_ending_a_comp_ends_the_access(owner_client, publication, reader):
    grant = comps.grant_comp(publication, reader.email, months=None)
    assert has_paid_access(reader, publication.pk)

    response = owner_client.post(end_url(publication, grant))

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.ends_at is not None
    assert not has_paid_access(reader, publication.pk)
    page = owner_client.get(comps_url(publication))
    assert page.context["current"] == [] and page.context["past"] == [grant]


def test_ending_a_comp_twice_changes_nothing_the_second_time(owner_client, publication, reader):
    grant = comps.grant_comp(publication, reader.email, months=2)
    owner_client.post(end_url(publication, grant))
    grant.refresh_from_db()
    ended_at = grant.ends_at

    response = owner_client.post(end_url(publication, grant), follow=True)

    assert response.status_code == 200
    grant.refresh_from_db()
    assert grant.ends_at == ended_at
    assert "had already ended" in response.content.decode()


def test_ending_is_a_post_only(owner_client, publication, reader):
    grant = comps.grant_comp(publication, reader.email, months=2)

    assert owner_client.get(end_url(publication, grant)).status_code == 405
    grant.refresh_from_db()
    assert grant.ends_at > grant.starts_at + dt.timedelta(days=50)


def test_a_grant_of_another_publication_cannot_be_ended_here(owner_client, publication, reader):
    from tests.factories import make_publication

    elsewhere = comps.grant_comp(make_publication(), reader.email, months=None)

    assert owner_client.post(end_url(publication, elsewhere)).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.ends_at is None


def test_a_new_comp_replaces_the_current_one(publication, reader):
    first = comps.grant_comp(publication, reader.email, months=1)

    second = comps.grant_comp(publication, reader.email, months=12)

    first.refresh_from_db()
    assert first.ends_at <= second.starts_at
    assert list(comps.current_comps(publication, second.starts_at)) == [second]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Friend@Example.COM ", "friend@example.com"),
        ("reader@bücher.example", "reader@xn--bcher-kva.example"),
        ("ANA@MÜNCHEN.DE", "ana@xn--mnchen-3ya.de"),
    ],
)
def test_odd_addresses_are_normalised(owner_client, publication, typed, stored):
    response = owner_client.post(comps_url(publication), {"email": typed, "months": "1"})

    assert response.status_code == 302
    assert AccessGrant.objects.get().person.email == stored


def test_a_known_person_is_found_by_address_not_created_again(owner_client, publication):
    known = make_person(email="known@example.com")

    owner_client.post(comps_url(publication), {"email": "KNOWN@example.com ", "months": "6"})

    assert AccessGrant.objects.get().person == known
    assert Person.objects.filter(email__iexact="known@example.com").count() == 1


def test_someone_who_unsubscribed_gets_access_but_is_not_mailed_again(publication, reader):
    Subscription.objects.create(
        publication=publication, person=reader, status=SubscriptionStatus.UNSUBSCRIBED
    )

    comps.grant_comp(publication, reader.email, months=None)

    assert Subscription.objects.get(person=reader).status == SubscriptionStatus.UNSUBSCRIBED
    assert has_paid_access(reader, publication.pk)


def test_a_pending_subscriber_is_confirmed_by_the_comp(publication, reader):
    Subscription.objects.create(publication=publication, person=reader)

    comps.grant_comp(publication, reader.email, months=None)

    assert Subscription.objects.get(person=reader).status == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "not an address", "months": "1"}, "valid email"),
        ({"email": "", "months": "1"}, "Enter the address to give access to."),
        ({"email": "a@example.com", "months": "25"}, "less than or equal to 24"),
        ({"email": "a@example.com", "months": "0"}, "greater than or equal to 1"),
        ({"email": "a@example.com", "months": "three"}, "whole number of months"),
        ({"email": "a@example.com", "months": ""}, "or tick Forever"),
        ({"email": "a@@example.com", "months": "1"}, "valid email"),
    ],
)
def test_garbage_is_refused_with_a_clear_message(owner_client, publication, form, message):
    response = owner_client.post(comps_url(publication), form)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccessGrant.objects.exists()


@pytest.mark.parametrize("months", [0, 25, -1])
def test_the_service_refuses_months_out_of_range(publication, months):
    with pytest.raises(comps.CompRefused, match="between 1 and 24"):
        comps.grant_comp(publication, "a@example.com", months=months)
    assert not AccessGrant.objects.exists()


def test_the_service_refuses_a_bad_address(publication):
    with pytest.raises(comps.CompRefused):
        comps.grant_comp(publication, "nobody at all", months=1)
    assert not Person.objects.filter(email__icontains="nobody").exists()


def test_the_list_shows_current_and_ended_comps_with_who_gave_them(
    owner_client, publication, owner
):
    current = comps.grant_comp(
        publication, "now@example.com", months=None, note="Old friend", granted_by=owner
    )
    ended = comps.grant_comp(publication, "then@example.com", months=3, granted_by=owner)
    comps.end_grant(ended)

    response = owner_client.get(comps_url(publication))

    assert response.status_code == 200
    assert response.context["current"] == [current]
    assert response.context["past"] == [ended]
    html = response.content.decode()
    assert "now@example.com" in html and "Old friend" in html and "Forever" in html
    assert "Olive Owner" in html
    assert html.count(">End now</button>") == 1


def test_the_list_takes_the_same_queries_whatever_the_number_of_comps(
    owner_client, publication, owner, django_assert_max_num_queries
):
    for number in range(30):
        grant = comps.grant_comp(publication, f"c{number}@example.com", months=2, granted_by=owner)
        if number % 3 == 0:
            comps.end_grant(grant)

    with django_assert_max_num_queries(8):
        response = owner_client.get(comps_url(publication))

    assert response.status_code == 200
    assert len(response.context["current"]) == 20


def test_authors_may_not_give_or_end_comps(client, publication, reader):
    author = make_person()
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    grant = comps.grant_comp(publication, reader.email, months=None)
    client.force_login(author)

    assert (
        client.post(comps_url(publication), {"email": "x@example.com", "months": "1"}).status_code
        == 403
    )
    assert client.post(end_url(publication, grant)).status_code == 403
    grant.refresh_from_db()
    assert grant.ends_at is None
    assert AccessGrant.objects.count() == 1


def test_readers_and_anonymous_visitors_may_not(client, publication, reader):
    grant = comps.grant_comp(publication, reader.email, months=None)

    assert client.post(end_url(publication, grant)).status_code == 302  # to sign in
    client.force_login(reader)
    assert (
        client.post(comps_url(publication), {"email": "x@example.com", "months": "1"}).status_code
        == 404
    )
    assert client.post(end_url(publication, grant)).status_code == 404
    grant.refresh_from_db()
    assert grant.ends_at is None
