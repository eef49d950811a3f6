"""The CSV export of the subscriber list: streamed, filtered like the list, safe in spreadsheets."""

import csv
import datetime as dt
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from masthead.subscriptions.exporting import guard_formula
from masthead.subscriptions.models import SubscriptionSource, SubscriptionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(owner_client, publication):
    def get(**params) -> list[dict]:
        response = owner_client.get(
            reverse("desk:subscriber_export", args=[publication.slug]), params
        )
        assert response.status_code == 200
        assert isinstance(response, StreamingHttpResponse)
        text = b"".join(response.streaming_content).decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))

    return get


def test_the_export_is_a_csv_attachment(owner_client, publication):
    response = owner_client.get(reverse("desk:subscriber_export", args=[publication.slug]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="daily-build-subscribers-'
    )


def test_the_export_has_every_column(export, publication, subscribe):
    moment = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)
    subscribe(publication, "ada@example.com", name="Ada Lovelace", created_at=moment)

    (row,) = export()

    assert row == {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "status": "active",
        "source": "website",
        "subscribed_at": "2025-03-04T09:30:00+00:00",
        "confirmed_at": row["confirmed_at"],
    }
    assert row["confirmed_at"]


def test_the_export_applies_the_filters(export, publication, subscribe):
    subscribe(publication, "web@example.com")
    subscribe(publication, "imported@example.com", source=SubscriptionSource.IMPORT)
    subscribe(
        publication,
        "gone@example.com",
        source=SubscriptionSource.IMPORT,
        status=SubscriptionStatus.UNSUBSCRIBED,
    )

    rows = export(source="import", status="active")

    assert [row["email"] for row in rows] == ["imported@example.com"]


def test_the_export_ignores_a_bad_filter_instead_of_failing(export, publication, subscribe):
    subscribe(publication, "web@example.com")

    rows = export(status="bogus", subscribed_from="yesterday")

    assert [row["email"] for row in rows] == ["web@example.com"]


def test_names_that_a_spreadsheet_would_run_as_formulas_are_quoted(export, publication, subscribe):
    subscribe(publication, "a@example.com", name='=HYPERLINK("http://evil.example","x")')
    subscribe(publication, "b@example.com", name="+1 555")
    subscribe(publication, "c@example.com", name="-2+3")
    subscribe(publication, "d@example.com", name="@SUM(A1)")

    names = sorted(row["name"] for row in export())

    assert names == ["'+1 555", "'-2+3", '\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"]


def test_an_address_that_starts_like_a_formula_is_quoted(export, publication, subscribe):
    subscribe(publication, "=cmd@example.com")

    (row,) = export()

    assert row["email"] == "'=cmd@example.com"


@pytest.mark.parametrize("value", ["Ada", "ada@example.com", "", "O'Neil", "1+1"])
def test_ordinary_values_are_left_alone(value):
    assert guard_formula(value) == value
