"""Public post pages: home, archive, a single post (or page) and its social card."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from masthead.engagement.queries import post_discussion
from masthead.pagecache.serving import cached_page
from masthead.posts import queries
from masthead.publications import sections, social_cards
from masthead.publications.lookups import get_request_publication
from masthead.publications.views import versioned_response


@cached_page()
def home(request):
    if getattr(request, "publication", None) is None:
        return render(request, "publications/empty_install.html", status=200)
    publication = get_request_publication(request)
    posts = queries.home_posts(publication)
    return render(
        request,
        "posts/home.html",
        {"featured": posts[0] if posts else None, "recent_posts": posts[1:]},
    )


@cached_page(query=("sort", "page", "section"), signed_in=True)
def archive(request):
    """Every post, or one section's (?section=<slug>; an unknown section is a 404), in one of
    three orderings, a page at a time. Each query string is its own cached page."""
    publication = get_request_publication(request)
    sort = request.GET.get("sort", queries.ArchiveSort.LATEST)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    section_slug = request.GET.get("section", "")
    section = sections.get_public_section(publication, section_slug) if section_slug else None
    if section is None:
        page = queries.archive_page(publication, sort, number)
    else:
        page = queries.archive_page(publication, sort, number, section)
    context = {
        "page": page,
        "tabs": queries.ArchiveSort.TABS,
        "sections": sections.sections_of(publication),
        "section": section,
    }
    return render(request, "posts/archive.html", context)


@cached_page(query=("comments",), post_slug_kwarg="slug")
def post_detail(request, slug):
    publication = get_request_publication(request)
    try:
        post = queries.get_published_post(publication, slug)
    except Http404:
        # A post whose address changed after publishing: old links move to the new address.
        current_slug = queries.current_slug_of_old_slug(publication, slug)
        if current_slug is None:
            raise
        return redirect("posts:detail", current_slug, permanent=True)
    is_full = queries.can_read_full_post(request.user, post)
    # A page (an About, a Links page) has no likes, comments or shares.
    discussion = (
        None
        if post.is_page
        else post_discussion(post, request.user, request.GET.get("comments", "top"))
    )
    og_image = social_cards.post_og_image(post, publication, request.build_absolute_uri)
    context = {"post": post, "is_full": is_full, "discussion": discussion, "og_image": og_image}
    return render(request, "posts/post_detail.html", context)


@require_safe
def social_card(request, slug, version):
    """A published post's card: its title and the publication's name, never its body."""
    publication = get_request_publication(request)
    post = queries.get_published_post(publication, slug)
    current = social_cards.card_version(post.title, publication.name, publication.accent_color)
    return versioned_response(
        request,
        version,
        current,
        reverse("posts:social_card", args=[post.slug, current]),
        lambda: social_cards.card_png(post.title, publication.name, publication.accent_color),
        "image/png",
    )
