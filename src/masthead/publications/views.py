"""The About page of a publication, its accent-colour stylesheet and its home page's social card."""

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from masthead.pagecache.serving import cached_page
from masthead.publications import social_cards, theme
from masthead.publications.lookups import get_request_publication
from masthead.referrals.queries import recommendations_for

YEAR = 60 * 60 * 24 * 365


@cached_page()
def about(request):
    publication = get_request_publication(request)
    memberships = publication.memberships.select_related("person").order_by("created_at", "id")
    context = {
        "writers": [membership.person for membership in memberships],
        "recommendations": recommendations_for(publication),
    }
    return render(request, "publications/about.html", context)


def versioned_response(
    request,
    version: str,
    current: str,
    current_url: str,
    content: Callable[[], bytes | str],
    content_type: str,
) -> HttpResponse:
    """A file whose address names its version is kept for a year, since a change makes a new
    address; an old address (from a page cached elsewhere) is sent on to the current one."""
    if version != current:
        response = redirect(current_url)
        patch_cache_control(response, public=True, max_age=300)
        return response
    etag = f'"{current}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content(), content_type=content_type)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    return response


@require_safe
def theme_css(request, version):
    publication = get_request_publication(request)
    current = theme.theme_version(publication.accent_color)
    return versioned_response(
        request,
        version,
        current,
        reverse("publications:theme", args=[current]),
        lambda: theme.palette_for(publication.accent_color).css,
        "text/css; charset=utf-8",
    )


@require_safe
def social_card(request, version):
    publication = get_request_publication(request)
    title = social_cards.home_card_title(publication)
    current = social_cards.card_version(title, publication.name, publication.accent_color)
    return versioned_response(
        request,
        version,
        current,
        reverse("publications:social_card", args=[current]),
        lambda: social_cards.card_png(title, publication.name, publication.accent_color),
        "image/png",
    )
