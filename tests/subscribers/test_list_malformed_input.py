"""The subscriber list and its export take the first and last days a date field can hold."""

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def body_of(response) -> str:
    content = response.streaming_content if response.streaming else [response.content]
    return b"".join(content).decode()


FAR_FROM_UTC = ["UTC", "Pacific/Kiritimati", "Pacific/Niue"]  # +14 and -11 hours


@pytest.mark.parametrize("time_zone", FAR_FROM_UTC)
@pytest.mark.parametrize("view_name", ["desk:subscriber_list", "desk:subscriber_export"])
def test_the_extreme_days_filter_nothing_out(
    owner_client, publication, subscribe, settings, time_zone, view_name
):
    settings.TIME_ZONE = time_zone
    subscribe(publication, "ada@example.com", created_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC))

    response = owner_client.get(
        reverse(view_name, args=[publication.slug]),
        {"subscribed_from": "0001-01-01", "subscribed_to": "9999-12-31"},
    )

    assert response.status_code == 200
    assert "ada@example.com" in body_of(response)


@pytest.mark.parametrize("time_zone", FAR_FROM_UTC)
def test_days_near_the_ends_still_filter(owner_client, publication, subscribe, settings, time_zone):
    settings.TIME_ZONE = time_zone
    subscribe(publication, "ada@example.com", created_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC))

    response = owner_client.get(
        reverse("desk:subscriber_list", args=[publication.slug]),
        {"subscribed_from": "0001-01-04", "subscribed_to": "2020-01-01"},
    )

    assert response.status_code == 200
    assert "ada@example.com" not in response.text
