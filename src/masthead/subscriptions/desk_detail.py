"""The desk's page of one subscriber: who they are, where they came from, how they engage
(activity stars from the stats rollup), what they pay, and the last emails sent to them.

Owners and admins only, like the list; a subscription of another publication is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from masthead.desk.lookups import MANAGERS, get_membership
from masthead.publications.sections import email_choices
from masthead.stats.queries.subscriber import subscriber_report


@require_safe
@login_required
def subscriber_detail(request, publication_slug, subscription_id):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    report = subscriber_report(membership.publication, subscription_id)
    email_choices([report.subscription])  # the sections they get and the ones they left
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "report": report,
        "subscription": report.subscription,
        "activity": report.activity,
    }
    return render(request, "subscriptions/desk_subscriber_detail.html", context)
