"""Helpers of the referral tests: sign-ups through the real subscribe and confirm services."""

import itertools

import pytest

from masthead.publications.models import Membership, Role
from masthead.referrals.services import referral_code_for
from masthead.subscriptions.models import Subscription
from masthead.subscriptions.services import confirm_subscription, confirmation_token, subscribe
from tests.factories import make_person

_clients = itertools.count(1)


def sign_up(publication, email: str, code: str = "") -> Subscription:
    """A reader subscribes (arriving with ?r=code) and is waiting for confirmation."""
    subscribe(publication, email, client=f"10.0.0.{next(_clients)}", referral_code=code)
    return Subscription.objects.get(publication=publication, person__email=email)


def confirm(subscription: Subscription) -> Subscription:
    return confirm_subscription(confirmation_token(subscription)).subscription


def refer(publication, code: str, email: str) -> Subscription:
    return confirm(sign_up(publication, email, code))


@pytest.fixture
def referrer(publication):
    """A confirmed subscriber with a referral code."""
    person = make_person(name="Rhea Referrer", email="rhea@example.com")
    confirm(sign_up(publication, person.email))
    return person


@pytest.fixture
def code(publication, referrer):
    return referral_code_for(publication, referrer).code


@pytest.fixture
def make_staff(publication):
    def make(role: str, name: str = ""):
        person = make_person(name=name)
        Membership.objects.create(publication=publication, person=person, role=role)
        return person

    return make


@pytest.fixture
def owner(make_staff):
    return make_staff(Role.OWNER, "Olive Owner")
