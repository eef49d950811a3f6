"""The search page of a publication: /search/?q=…&kind=posts|notes&page=N."""

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_safe

from masthead.discovery import search as search_queries
from masthead.publications.lookups import get_request_publication


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=search_queries.MAX_QUERY_LENGTH,
        error_messages={
            "max_length": f"Searches are limited to {search_queries.MAX_QUERY_LENGTH} characters."
        },
    )


def _page_number(value: str) -> int:
    """A page number from the address; anything else is the first page, as on the archive."""
    try:
        return int(value)
    except ValueError:
        return 1


@require_safe
def search(request):
    publication = get_request_publication(request)
    form = SearchForm(request.GET)
    context = {"form": form, "tabs": search_queries.Kind.TABS, "results": None}
    if not form.is_valid():
        context["error"] = " ".join(
            message for errors in form.errors.values() for message in errors
        )
        return render(request, "discovery/search.html", context, status=400)
    query = form.cleaned_data["q"]
    context["query"] = query
    if query:
        context["results"] = search_queries.search(
            publication,
            request.user,
            query,
            kind=request.GET.get("kind", search_queries.Kind.POSTS),
            number=_page_number(request.GET.get("page", "1")[:9]),
        )
    return render(request, "discovery/search.html", context)
