"""Every dashboard table as CSV: the rows are the rollup's, cells a spreadsheet would run as a
formula are written as text, and strangers and unknown tables get a 404."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from masthead.stats.exporting import TABLES
from masthead.stats.models import DailySourceStats, DailyTraffic, PostLinkClicks
from tests.factories import make_person, make_post, make_publication
from tests.stats.dashboard_data import make_stats, make_writer

pytestmark = pytest.mark.django_db


@pytest.fixture
def stats(publication):
    return make_stats(publication)


@pytest.fixture
def signed_in(client, publication):
    client.force_login(make_writer(publication))
    return client


def export_url(publication, table: str, query: str = "") -> str:
    return reverse("desk:stats:export", args=[publication.slug, table]) + query


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_subscribers_csv_has_a_row_per_day_of_the_period(signed_in, publication, stats):
    rows = read_csv(signed_in.get(export_url(publication, "subscribers", "?days=30")))
    assert rows[0] == ["day", "total", "free", "paid", "gained", "lost", "paid_gained", "paid_lost"]
    assert len(rows) == 31
    today = stats.days[stats.today]
    assert rows[-1] == [
        stats.today.isoformat(), str(today.total), str(today.free), str(today.paid),
        str(today.gained), str(today.lost), str(today.paid_gained), str(today.paid_lost),
    ]  # fmt: skip
    assert rows[1][0] == (stats.today - dt.timedelta(days=29)).isoformat()


def test_posts_csv_has_every_post_of_the_period_with_its_rates(signed_in, publication, stats):
    rows = read_csv(signed_in.get(export_url(publication, "posts")))
    assert rows[0][:3] == ["post_id", "title", "published_at"]
    assert [row[0] for row in rows[1:]] == [str(post.id) for post in stats.posts]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["opens"] == "100"
    assert first["open_rate"] == "0.5000"
    assert first["views"] == "300"


def test_every_table_downloads(signed_in, publication, stats):
    post = stats.posts[0]
    for table, spec in TABLES.items():
        query = f"?days=365&post={post.id}" if spec.needs_post else "?days=365"
        rows = read_csv(signed_in.get(export_url(publication, table, query)))
        assert rows[0] == spec.header
        assert len(rows) > 1, table


def test_traffic_csv_has_every_value_not_only_the_top_ten(signed_in, publication):
    make_stats(publication, scale=5)  # fifteen referrers
    rows = read_csv(signed_in.get(export_url(publication, "referrers", "?days=30")))
    assert rows[0] == ["referrer", "views", "visitors_summed"]
    assert len(rows) == 16
    assert rows[1] == ["referrer-14", str(15 * 30), "30"]


def test_cells_that_would_run_as_formulas_are_written_as_text(signed_in, publication, stats):
    today = stats.today
    for campaign in ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"):
        DailySourceStats.objects.create(
            publication=publication, day=today, source="website", campaign=campaign, gained=1
        )
    DailyTraffic.objects.create(
        publication=publication, day=today, dimension="referrer", value="=cmd|' /C calc'!A0",
        views=999,
    )  # fmt: skip
    PostLinkClicks.objects.create(
        post=stats.posts[0], link_index=99, url="https://example.org/=x", clicks=1000
    )
    sources = read_csv(signed_in.get(export_url(publication, "sources", "?days=30")))
    campaigns = {row[1] for row in sources[1:]}
    assert {'\'=HYPERLINK("http://evil")', "'+1+1", "'-2+3", "'@SUM(A1)"} <= campaigns
    referrers = read_csv(signed_in.get(export_url(publication, "referrers", "?days=30")))
    assert referrers[1][0] == "'=cmd|' /C calc'!A0"
    links = read_csv(
        signed_in.get(export_url(publication, "post-links", f"?post={stats.posts[0].id}"))
    )
    assert links[1][1] == "https://example.org/=x"


@pytest.mark.parametrize("table", ["nothing", "subscriber", "posts-x", "a" * 200])
def test_an_unknown_table_is_a_404(signed_in, publication, stats, table):
    assert signed_in.get(export_url(publication, table)).status_code == 404


@pytest.mark.parametrize("post", ["", "abc", "-1", "0", "9" * 30, "١٢"])
def test_a_post_table_needs_a_post_of_the_publication(signed_in, publication, stats, post):
    assert signed_in.get(export_url(publication, "post-links", f"?post={post}")).status_code == 404
    elsewhere = make_post(make_publication(), "Elsewhere")
    url = export_url(publication, "post-days", f"?post={elsewhere.id}")
    assert signed_in.get(url).status_code == 404


@pytest.mark.parametrize("days", ["abc", "1" * 5000, "-30"])
def test_a_bad_days_value_exports_ninety_days(signed_in, publication, stats, days):
    response = signed_in.get(export_url(publication, "subscribers"), {"days": days})
    assert len(read_csv(response)) == 91


def test_strangers_get_no_csv(client, publication, stats):
    other = make_publication()
    for person in (make_writer(other), make_person()):
        client.force_login(person)
        assert client.get(export_url(publication, "subscribers")).status_code == 404
    client.logout()
    assert client.get(export_url(publication, "subscribers")).status_code == 302
