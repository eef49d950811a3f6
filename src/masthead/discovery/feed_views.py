"""Feeds: a publication's, a section's and an author's posts as RSS, Atom or JSON Feed, and a paid
reader's private RSS feed; each answers a conditional GET with 304 when nothing changed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_POST, require_safe

from masthead.billing.access import has_paid_access
from masthead.discovery import feed_tokens, feeds
from masthead.pagecache.serving import cached_page
from masthead.publications.links import site_path
from masthead.publications.lookups import get_request_publication
from masthead.publications.models import Publication

PUBLIC_CACHE = "public, max-age=300"
# A private feed is one reader's: no shared cache may keep it.
PRIVATE_CACHE = "private, no-cache"


@require_safe
@cached_page(signed_in=True)
def publication_feed(request, fmt):
    publication = get_request_publication(request)
    return respond(request, feeds.publication_source(publication), feeds.public_rule, fmt)


@require_safe
@cached_page(signed_in=True)
def section_feed(request, slug, fmt):
    publication = get_request_publication(request)
    return respond(request, feeds.section_source(publication, slug), feeds.public_rule, fmt)


@require_safe
@cached_page(signed_in=True)
def author_feed(request, person_id, fmt):
    publication = get_request_publication(request)
    source = feeds.author_source(publication, person_id)
    return respond(request, source, feeds.public_rule, fmt)


@require_safe
def private_feed(request, token):
    publication = get_request_publication(request)
    person = feed_tokens.get_feed_reader(publication, token)
    source = feeds.publication_source(publication)
    response = respond(request, source, feeds.reader_rule(person), feeds.Format.RSS)
    response["Cache-Control"] = PRIVATE_CACHE
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def respond(request, source: feeds.FeedSource, is_whole, fmt: str) -> HttpResponse:
    """The feed, or 304 Not Modified when the reader's copy (its ETag or date) is current."""
    feed_url = request.build_absolute_uri(request.path)
    etag = quote_etag(feeds.feed_version(source, is_whole, fmt, feed_url))
    last_modified = int(feeds.last_change(source).timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        document = feeds.build_document(source, is_whole, request.build_absolute_uri, feed_url)
        body, content_type = feeds.render(document, fmt)
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = PUBLIC_CACHE
    return response


@require_POST
@login_required
def private_feed_rotate(request, publication_slug):
    """A new private feed address for the signed-in reader; the old one stops working."""
    publication = get_object_or_404(Publication, slug=publication_slug)
    person = request.user
    # Readers whose paid access ended may still end the address they had.
    if not (
        has_paid_access(person, publication.id)
        or feed_tokens.has_feed_token(person, publication.id)
    ):
        raise PermissionDenied("Private feeds are for readers with paid access.")
    feed_tokens.rotate_feed_token(person, publication)
    messages.success(
        request,
        f"Your private feed of {publication.name} has a new address; the old one no longer works.",
    )
    return HttpResponseRedirect(site_path("accounts:account") + f"#private-feed-{publication.id}")
