"""The writer's dashboard in the desk: overview, subscribers, posts, one post, traffic, and
every table as CSV. Each page reads the rollup tables through stats.queries, in a fixed
number of queries, for the last 30, 90 or 365 days (?days=, 90 when missing or odd)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from masthead.desk.lookups import get_membership
from masthead.stats import charts, exporting, queries


def _page(request, publication_slug) -> tuple[dict, queries.Period]:
    """The staff member's publication and the period asked for, as the template's context."""
    membership = get_membership(request.user, publication_slug)
    days = queries.parse_days(request.GET.get("days"))
    period = queries.period_of(membership.publication, days)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "days": days,
        "period": period,
        "period_choices": queries.PERIOD_CHOICES,
        "rollup_at": queries.last_rollup_at(membership.publication),
    }
    return context, period


def _subscriber_chart(growth: queries.Growth) -> charts.LineChart:
    return charts.line_chart(
        [day.day for day in growth.days],
        [
            ("Total", "total", [day.total for day in growth.days]),
            ("Free", "free", [day.free for day in growth.days]),
        ],
        "subscribers",
    )


def _paid_chart(growth: queries.Growth) -> charts.LineChart:
    # Apart from the total: on its scale a few hundred paying readers would be a flat line.
    return charts.line_chart(
        [day.day for day in growth.days],
        [("Paid", "paid", [day.paid for day in growth.days])],
        "subscribers",
    )


def _movement_chart(growth: queries.Growth) -> charts.BarChart:
    return charts.bar_chart(
        [day.day for day in growth.days],
        [day.gained for day in growth.days],
        [day.lost for day in growth.days],
    )


def _web_chart(growth: queries.Growth) -> charts.LineChart:
    return charts.line_chart(
        [day.day for day in growth.days],
        [
            ("Views", "views", [day.views for day in growth.days]),
            ("Visitors", "visitors", [day.visitors for day in growth.days]),
        ],
        "per day",
    )


def _growth_charts(growth) -> dict:
    """The headline numbers and the three subscriber charts the overview and subscribers share."""
    return {
        "growth": growth,
        "headline": queries.headline_of(growth),
        "subscriber_chart": _subscriber_chart(growth),
        "paid_chart": _paid_chart(growth),
        "movement_chart": _movement_chart(growth),
    }


@require_safe
@login_required
def overview(request, publication_slug):
    context, period = _page(request, publication_slug)
    publication = context["desk_publication"]
    growth = queries.daily_figures(publication, period)
    context.update(
        **_growth_charts(growth),
        top_posts=queries.top_posts(publication, period),
    )
    return render(request, "stats/overview.html", context)


@require_safe
@login_required
def subscribers(request, publication_slug):
    context, period = _page(request, publication_slug)
    publication = context["desk_publication"]
    growth = queries.daily_figures(publication, period)
    context.update(
        **_growth_charts(growth),
        sources=queries.source_rows(publication, period),
    )
    return render(request, "stats/subscribers.html", context)


@require_safe
@login_required
def posts(request, publication_slug):
    context, period = _page(request, publication_slug)
    listing = queries.post_listing(context["desk_publication"], period, request.GET.get("page"))
    context.update(listing=listing, page=listing.page)
    return render(request, "stats/posts.html", context)


@require_safe
@login_required
def post(request, publication_slug, post_id):
    context, period = _page(request, publication_slug)
    publication = context["desk_publication"]
    the_post = queries.get_post_for_stats(publication, post_id)
    report = queries.post_report(publication, the_post, period)
    chart = charts.line_chart(
        [day.day for day in report.days],
        [
            ("Views", "views", [day.views for day in report.days]),
            ("Opens", "opens", [day.opens for day in report.days]),
        ],
        "per day",
    )
    context.update(post=the_post, report=report, row=report.row, chart=chart)
    return render(request, "stats/post.html", context)


@require_safe
@login_required
def traffic(request, publication_slug):
    context, period = _page(request, publication_slug)
    publication = context["desk_publication"]
    growth = queries.daily_figures(publication, period)
    context.update(
        growth=growth,
        headline=queries.headline_of(growth),
        web_chart=_web_chart(growth),
        tables=queries.top_traffic(publication, period),
    )
    return render(request, "stats/traffic.html", context)


@require_safe
@login_required
def export(request, publication_slug, table):
    membership = get_membership(request.user, publication_slug)
    publication = membership.publication
    spec = exporting.TABLES.get(table)
    if spec is None:
        raise Http404("No such table.")
    days = queries.parse_days(request.GET.get("days"))
    period = queries.period_of(publication, days)
    the_post = None
    if spec.needs_post:
        post_id = request.GET.get("post", "")
        if not (post_id.isascii() and post_id.isdigit() and len(post_id) < 19):
            raise Http404("No such post.")
        the_post = queries.get_post_for_stats(publication, int(post_id))
    lines = exporting.csv_lines(spec, publication, period, the_post)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    suffix = f"-{the_post.id}" if the_post else ""
    file_name = f"{publication.slug}-{table}{suffix}-{days}d-{period.last_day.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response
