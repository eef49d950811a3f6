"""What search engines read: robots.txt and the sitemap (index and sections)."""

from functools import cache
from pathlib import Path

import django.contrib.sitemaps
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404
from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from masthead.discovery.sitemaps import sitemaps_of
from masthead.pagecache.serving import cached_page
from masthead.publications.lookups import find_request_publication, get_request_publication
from masthead.publications.models import Publication

# Pages of people, not of the publication, and addresses that act when fetched (tracking,
# unsubscribing, sign-in links): no crawler has any business there. Every one of them also
# answers under a publication's /pub/<slug>/ prefix, hence the second form in robots.txt.
PRIVATE_PATHS = [
    "/desk/",
    "/account/",
    "/admin/",
    "/api/",
    "/sign-in/",
    "/sign-out/",
    "/t/",
    "/unsubscribe/",
    "/subscribe/confirm/",
    "/webhooks/",
    "/billing/",
    "/gifts/redeem/",
    "/groups/claim/",
    "/mail/",
]
MAX_AGE = 60 * 60

# Django's own sitemap templates, read from its package: they are found by name only when
# django.contrib.sitemaps is an installed app, and nothing else of that app is needed.
DJANGO_SITEMAP_TEMPLATES = Path(django.contrib.sitemaps.__file__).parent / "templates"


@cache
def django_sitemap_template(name: str):
    return engines["django"].from_string((DJANGO_SITEMAP_TEMPLATES / name).read_text())


@require_safe
def robots_txt(request):
    """A hidden publication turns every crawler away; otherwise only the private paths are."""
    publication = find_request_publication(request)
    is_hidden = publication is not None and publication.is_hidden_from_search_engines
    hidden_prefixes = [
        f"/pub/{slug}/"
        for slug in Publication.objects.filter(is_hidden_from_search_engines=True)
        .exclude(pk=getattr(publication, "pk", None))
        .values_list("slug", flat=True)
    ]
    context = {
        "is_hidden": is_hidden,
        "private_paths": PRIVATE_PATHS,
        "hidden_prefixes": hidden_prefixes,
        "sitemap_url": (
            request.build_absolute_uri(reverse("discovery:sitemap")) if publication else ""
        ),
    }
    response = render(request, "discovery/robots.txt", context, content_type="text/plain")
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def get_indexed_publication(request) -> Publication:
    """The request's publication, or a 404 when it has none or asked search engines to stay
    away (a hidden publication has no sitemap at all, rather than an empty one)."""
    publication = get_request_publication(request)
    if publication.is_hidden_from_search_engines:
        raise Http404("This publication is not listed for search engines.")
    return publication


@require_safe
@cached_page(signed_in=True)
def sitemap_index(request):
    publication = get_indexed_publication(request)
    response = sitemap_views.index(
        request,
        sitemaps_of(publication),
        template_name=django_sitemap_template("sitemap_index.xml"),
        sitemap_url_name="discovery:sitemap_section",
    )
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


@require_safe
@cached_page(query=("p",), signed_in=True)
def sitemap_section(request, section):
    """One section's sitemap; ?p=N for its Nth page. A missing section or page is a 404."""
    publication = get_indexed_publication(request)
    response = sitemap_views.sitemap(
        request,
        sitemaps_of(publication),
        section=section,
        template_name=django_sitemap_template("sitemap.xml"),
    )
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response
