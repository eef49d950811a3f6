"""The About page of a publication."""

from django.shortcuts import render

from masthead.publications.lookups import get_request_publication
from masthead.referrals.queries import recommendations_for


def about(request):
    publication = get_request_publication(request)
    authors = (
        publication.memberships.select_related("person")
        .order_by("created_at", "id")
        .values_list("person__display_name", flat=True)
    )
    context = {"authors": list(authors), "recommendations": recommendations_for(publication)}
    return render(request, "publications/about.html", context)
