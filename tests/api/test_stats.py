"""The dashboard's numbers through the API: the same rows the Stats pages read, for keys only,
in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from masthead.api.keys import create_key
from masthead.stats.models import DailyPublicationStats, DailyTraffic, TrafficDimension
from tests.api.conftest import assert_problem, bearer
from tests.factories import make_publication
from tests.stats.dashboard_data import make_stats


def test_daily_numbers_are_the_rollup_rows_of_the_period(client, base, read_key, publication):
    stats = make_stats(publication)
    response = client.get(f"{base}/stats/daily?days=30", **bearer(read_key))
    assert response.status_code == 200
    body = response.json()
    assert len(body["days"]) == 30
    assert body["last_day"] == stats.today.isoformat()
    stored = {
        row.day.isoformat(): row
        for row in DailyPublicationStats.objects.filter(publication=publication)
    }
    for day in body["days"]:
        row = stored[day["day"]]
        assert (day["total"], day["paid"], day["gained"], day["lost"], day["views"]) == (
            row.total,
            row.paid,
            row.gained,
            row.lost,
            row.views,
        )


def test_posts_come_with_their_numbers_and_the_median(client, base, read_key, publication):
    stats = make_stats(publication)
    body = client.get(f"{base}/stats/posts?days=90", **bearer(read_key)).json()
    assert [item["post_id"] for item in body["items"]] == [post.id for post in stats.posts]
    first = body["items"][0]
    assert first["opens"] == 100 and first["delivered"] == 200
    assert first["open_rate"] == pytest.approx(0.5)
    assert body["median"]["post_count"] == 3
    one = client.get(f"{base}/stats/posts/{stats.posts[0].id}", **bearer(read_key)).json()
    assert one["post"]["views"] == 300
    assert [link["url"] for link in one["links"]] == [
        "https://example.org/0",
        "https://example.org/1",
    ]


def test_traffic_is_summed_over_the_period_most_viewed_first(client, base, read_key, publication):
    make_stats(publication)
    rows = client.get(
        f"{base}/stats/traffic?days=30&dimension=countries&limit=2", **bearer(read_key)
    ).json()
    expected = sorted(
        {
            value: sum(
                DailyTraffic.objects.filter(
                    publication=publication, dimension=TrafficDimension.COUNTRY, value=value
                )
                .order_by("-day")[:30]
                .values_list("views", flat=True)
            )
            for value in ("country-0", "country-1", "country-2")
        }.values(),
        reverse=True,
    )[:2]
    assert [row["views"] for row in rows] == expected
    assert len(rows) == 2


@pytest.mark.parametrize(
    "path",
    [
        "stats/daily?days=7",
        "stats/traffic?dimension=cookies",
        "stats/traffic?limit=0",
        "stats/posts?page=0",
        "stats/posts/0",
    ],
)
def test_bad_parameters_get_a_problem(client, base, read_key, publication, path):
    response = client.get(f"{base}/{path}", **bearer(read_key))
    assert response.status_code in (400, 404, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_stats_need_a_key_of_this_publication(client, base, read_key, publication):
    stats = make_stats(publication)
    assert_problem(client.get(f"{base}/stats/daily"), 401)
    other = make_publication(name="Elsewhere", slug="elsewhere")
    assert_problem(client.get(f"/pub/{other.slug}/api/v1/stats/daily", **bearer(read_key)), 403)
    elsewhere = make_stats(other).posts[0]
    assert_problem(client.get(f"{base}/stats/posts/{elsewhere.id}", **bearer(read_key)), 404)
    ours = client.get(f"{base}/stats/posts/{stats.posts[0].id}", **bearer(read_key))
    assert ours.status_code == 200


@pytest.mark.parametrize("path", ["stats/daily?days=365", "stats/posts", "stats/traffic"])
def test_query_count_does_not_grow_with_the_data(client, read_key, publication, owner, path):
    def count(slug: str, secret: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/pub/{slug}/api/v1/{path}", **bearer(secret))
            assert response.status_code == 200
        return len(queries)

    make_stats(publication, scale=1)
    big = make_publication(name="Big", slug="big")
    make_stats(big, scale=10)
    big_key = create_key(big, owner, "Reader", "read").secret
    assert count(big.slug, big_key) == count(publication.slug, read_key)
