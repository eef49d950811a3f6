"""The desk's calendar page: a month of what the publication has published and has planned."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from masthead.desk.calendar import BadMonth, build_month, current_month, parse_month
from masthead.desk.lookups import get_membership
from masthead.publications.models import Role

# Every member of the staff may look at the calendar; what an entry links to checks its own role.
ANY_ROLE = tuple(Role)


@login_required
def month_calendar(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=ANY_ROLE)
    publication = membership.publication
    today_month = current_month(publication)
    error, status = "", 200
    try:
        first_day = parse_month(request.GET.get("month"), today_month)
    except BadMonth as bad:
        # Still a useful page: this month, with what was wrong with the address.
        first_day, error, status = today_month, str(bad), 400
    context = {
        "desk_publication": publication,
        "membership": membership,
        "month": build_month(publication, first_day),
        "month_error": error,
    }
    return render(request, "desk/calendar.html", context, status=status)
