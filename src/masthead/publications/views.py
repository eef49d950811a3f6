"""The About page of a publication."""

from django.shortcuts import render

from masthead.publications.lookups import get_request_publication


def about(request):
    publication = get_request_publication(request)
    authors = (
        publication.memberships.select_related("person")
        .order_by("created_at", "id")
        .values_list("person__display_name", flat=True)
    )
    return render(request, "publications/about.html", {"authors": list(authors)})
