"""The writer's dashboard: the numbers shown are the rollup rows', the charts draw them, the
query count stays fixed at 10x the data, a bad ?days= is the default, strangers get nothing."""

import datetime as dt
import re
import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from masthead.publications.models import Role
from masthead.stats import charts, queries
from masthead.stats.models import DailyPublicationStats, PostTotals
from tests.factories import make_person, make_post, make_publication
from tests.stats.dashboard_data import make_stats, make_writer, today_of

pytestmark = pytest.mark.django_db

PAGES = ["overview", "subscribers", "posts", "post", "traffic"]


def url_of(page: str, publication, post=None, query: str = "") -> str:
    args = [publication.slug, post.id] if page == "post" else [publication.slug]
    return reverse(f"desk:stats:{page}", args=args) + query


@pytest.fixture
def writer(publication):
    return make_writer(publication)


@pytest.fixture
def stats(publication):
    return make_stats(publication)


@pytest.fixture
def signed_in(client, writer):
    client.force_login(writer)
    return client


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1)


def test_overview_shows_the_subscribers_of_the_last_day_and_their_change(
    signed_in, publication, stats
):
    response = signed_in.get(url_of("overview", publication))
    assert response.status_code == 200
    html = response.content.decode()
    today = stats.days[stats.today]
    before = stats.days[stats.today - dt.timedelta(days=90)]
    assert figure(html, "total") == f"{today.total:,}"
    assert figure(html, "free") == f"{today.free:,}"
    assert figure(html, "paid") == f"{today.paid:,}"
    change = today.total - before.total
    assert f"+{change:,} in 90 days" in html
    period = [stats.days[stats.today - dt.timedelta(days=i)] for i in range(90)]
    assert figure(html, "views") == f"{sum(day.views for day in period):,}"
    opens, sent = sum(day.opens for day in period), sum(day.emails_sent for day in period)
    assert figure(html, "open-rate") == f"{opens / sent * 100:.1f}%"
    assert "Numbers as of" in html


def test_overview_lists_the_top_five_posts_by_opens_and_views(signed_in, publication):
    stats = make_stats(publication, scale=2)  # six posts
    html = signed_in.get(url_of("overview", publication)).content.decode()
    listed = re.findall(r'<tr data-post="(\d+)">', html)
    assert len(listed) == 5
    # opens + views is 400 for every post here, so the newest comes first on the tie.
    assert listed == [str(post.id) for post in stats.posts[:5]]


def test_subscribers_chart_has_a_titled_column_per_day_and_the_days_in_a_table(
    signed_in, publication, stats
):
    html = signed_in.get(url_of("subscribers", publication, query="?days=30")).content.decode()
    svg = html[html.index('id="subscribers-svg-title"') :]
    svg = svg[: svg.index('id="paid-svg-title"')]
    titles = re.findall(r"<rect class=\"stats-svg__hit\"[^>]*><title>([^<]*)</title>", svg)
    assert len(titles) == 30
    today = stats.days[stats.today]
    assert titles[-1] == (
        f"{charts.day_text(stats.today)}: {today.total:,} total, {today.free:,} free"
    )
    assert f"<title>{charts.day_text(stats.today)}: {today.paid:,} paid</title>" in html
    assert 'role="img"' in html and '<desc id="subscribers-svg-desc">Total subscribers:' in html
    assert f'<td class="table__number">{today.total:,}</td>' in html


def test_gained_and_lost_bars_name_each_day(signed_in, publication, stats):
    html = signed_in.get(url_of("subscribers", publication, query="?days=30")).content.decode()
    day = stats.days[stats.today - dt.timedelta(days=3)]
    assert (
        f"<title>{charts.day_text(day.day)}: {day.gained} gained, {day.lost} lost</title>" in html
    )
    assert html.count('<g class="stats-svg__day">') == 30


def test_sources_table_sums_the_period_by_source_and_campaign(signed_in, publication, stats):
    html = signed_in.get(url_of("subscribers", publication, query="?days=30")).content.decode()
    # Two a day from the campaign over 30 days, one a day from imports.
    assert re.search(
        r"Website</th><td class=\"stats-value\">spring-0</td><td class=\"table__number\">60</td>"
        r"<td class=\"table__number\">30</td>",
        html,
    )
    assert re.search(
        r"Import</th><td class=\"stats-value\">—</td><td class=\"table__number\">30<", html
    )


def test_days_without_a_row_keep_the_last_known_counts(publication):
    today = today_of(publication)
    DailyPublicationStats.objects.create(
        publication=publication, day=today - dt.timedelta(days=40), total=70, free=60, paid=10
    )
    DailyPublicationStats.objects.create(
        publication=publication, day=today - dt.timedelta(days=5), total=75, free=64, paid=11,
        gained=5,
    )  # fmt: skip
    period = queries.period_of(publication, 30)
    growth = queries.daily_figures(publication, period)
    assert growth.before.total == 70
    assert [day.total for day in growth.days[:24]] == [70] * 24
    assert [day.total for day in growth.days[24:]] == [75] * 6
    headline = queries.headline_of(growth)
    assert (headline.total_change, headline.free_change, headline.paid_change) == (5, 4, 1)


def test_posts_page_compares_each_post_with_the_median_post(signed_in, publication, stats):
    PostTotals.objects.filter(post=stats.posts[0]).update(opens=150)
    response = signed_in.get(url_of("posts", publication))
    assert response.status_code == 200
    html = response.content.decode()
    rates = [150 / 200, 99 / 199, 98 / 198]
    median_rate = statistics.median(rates)
    assert f"open rate {median_rate * 100:.1f}%" in html
    assert "301 views" in html  # the median of 300, 301, 302
    first = stats.posts[0]
    row = html[html.index(f'<tr data-post="{first.id}">') :]
    row = row[: row.index("</tr>")]
    assert '<td class="table__number" data-figure="open-rate">75.0%</td>' in row
    points = (rates[0] - median_rate) * 100
    assert f"Open rate {points:.1f} pts above the median" in row
    assert "Views 1.0× the median" not in row  # 300 / 301 is within 5%: at the median
    assert "Views at the median" in row


def test_posts_page_lists_only_the_period_newest_first(signed_in, publication, stats):
    old = make_post(
        publication, "Long ago", published_at=stats.posts[0].published_at - dt.timedelta(days=200)
    )
    html = signed_in.get(url_of("posts", publication, query="?days=30")).content.decode()
    listed = re.findall(r'<tr data-post="(\d+)">', html)
    assert listed == [str(post.id) for post in stats.posts]
    assert str(old.id) not in listed
    html = signed_in.get(url_of("posts", publication, query="?days=365")).content.decode()
    assert re.findall(r'<tr data-post="(\d+)">', html)[-1] == str(old.id)


def test_post_page_shows_its_totals_links_and_first_days(signed_in, publication, stats):
    post = stats.posts[2]
    html = signed_in.get(url_of("post", publication, post)).content.decode()
    assert figure(html, "opens") == "98"
    assert figure(html, "views") == "302"
    assert figure(html, "free-signups") == "3"
    assert html.count("https://example.org/") == 2
    assert "Web views and email opens per day since publication" in html
    assert "<title>" in html and "views, " in html


def test_a_draft_or_another_publications_post_has_no_stats_page(signed_in, publication, stats):
    draft = make_post(publication, "Draft", status="draft")
    elsewhere = make_post(make_publication(), "Elsewhere")
    assert signed_in.get(url_of("post", publication, draft)).status_code == 404
    assert signed_in.get(url_of("post", publication, elsewhere)).status_code == 404
    too_big = reverse("desk:stats:post", args=[publication.slug, 2**63])
    assert signed_in.get(too_big).status_code == 404


def test_traffic_page_shows_the_top_ten_of_each_dimension(signed_in, publication):
    make_stats(publication, scale=4)  # twelve values per dimension
    html = signed_in.get(url_of("traffic", publication, query="?days=30")).content.decode()
    table = html[html.index('data-dimension="referrer"') :]
    table = table[: table.index("</table>")]
    values = re.findall(r'<th scope="row" class="stats-value">([^<]*)</th>', table)
    assert values == [f"referrer-{n}" for n in range(11, 1, -1)]
    # referrer-11 has 12 views a day for 30 days.
    assert '<td class="table__number">360</td>' in table
    assert "daily visitors summed" in html


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs_the_same_number_of_queries_on_ten_times_the_data(
    client, page, django_db_blocker
):
    counts = []
    for scale in (1, 10):
        publication = make_publication()
        writer = make_writer(publication)
        stats = make_stats(publication, scale=scale)
        client.force_login(writer)
        with CaptureQueriesContext(connection) as queries_run:
            response = client.get(url_of(page, publication, stats.posts[0]))
        assert response.status_code == 200
        counts.append(len(queries_run))
    assert counts[0] == counts[1]
    assert counts[0] <= 16


@pytest.mark.parametrize("days", ["abc", "7", "-90", "1" * 5000, "", "90.0", "३०", "30\x00"])
@pytest.mark.parametrize("page", PAGES)
def test_a_bad_days_value_shows_ninety_days(signed_in, publication, stats, page, days):
    response = signed_in.get(url_of(page, publication, stats.posts[0]), {"days": days})
    assert response.status_code == 200
    assert '<a href="?days=90" aria-current="page">' in response.content.decode()


def test_thirty_days_is_thirty_days(signed_in, publication, stats):
    response = signed_in.get(url_of("overview", publication, query="?days=30"))
    html = response.content.decode()
    assert '<a href="?days=30" aria-current="page">' in html
    assert html.count('class="stats-svg__hit"') == 90  # two line charts' days and the bars'
    assert html.count('<g class="stats-svg__day">') == 30


@pytest.mark.parametrize("page", PAGES)
def test_staff_of_another_publication_and_readers_get_a_404(client, publication, stats, page):
    other = make_publication()
    make_writer(other)
    for person in (make_writer(other), make_person("Rita Reader")):
        client.force_login(person)
        assert client.get(url_of(page, publication, stats.posts[0])).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_a_visitor_is_sent_to_sign_in(client, publication, stats, page):
    response = client.get(url_of(page, publication, stats.posts[0]))
    assert response.status_code == 302
    assert "sign-in" in response["Location"] or "login" in response["Location"]


def test_an_author_sees_the_dashboard(client, publication, stats):
    client.force_login(make_writer(publication, role=Role.AUTHOR))
    assert client.get(url_of("overview", publication)).status_code == 200


def test_the_desk_navigation_links_to_stats(signed_in, publication):
    html = signed_in.get(reverse("desk:dashboard", args=[publication.slug])).content.decode()
    assert f'href="{reverse("desk:stats:overview", args=[publication.slug])}"' in html


def test_an_empty_publication_has_calm_empty_pages(signed_in, publication):
    for page in ("overview", "subscribers", "posts", "traffic"):
        response = signed_in.get(url_of(page, publication))
        assert response.status_code == 200
    html = signed_in.get(url_of("overview", publication)).content.decode()
    assert "No numbers computed yet" in html
    assert "No post was published in these 90 days." in html


def test_line_chart_describes_its_lines_in_words():
    days = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(3)]
    chart = charts.line_chart(days, [("Total", "total", [5, 9, 7])], "subscribers")
    assert chart.description == (
        "Total subscribers: 5 on 1 Mar 2026, 7 on 3 Mar 2026, highest 9 on 2 Mar 2026."
    )
    assert len(chart.columns) == 3
    assert chart.series[0].points.count(",") == 3


def test_bar_chart_of_a_quiet_period_says_so():
    days = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(2)]
    chart = charts.bar_chart(days, [0, 0], [0, 0])
    assert chart.description.startswith("From 1 Mar 2026 to 2 Mar 2026: 0 gained and 0 lost")
    assert all(bar.up_height == 0 and bar.down_height == 0 for bar in chart.bars)
