"""Template helpers for kinds of posts: a podcast's playable audio and the site's page links."""

from django import template

from masthead.posts.audio import playable_audio_url

register = template.Library()


@register.filter
def audio_src(post) -> str:
    """The podcast's audio address when it may be played (posts.audio), else ""."""
    return playable_audio_url(post)


@register.simple_tag(takes_context=True)
def page_links(context) -> list:
    """The publication's published pages, by title, as the posts services keep them on the
    publication (posts.services.refresh_page_links): no query."""
    publication = context.get("publication")
    return list(getattr(publication, "page_links", None) or [])
