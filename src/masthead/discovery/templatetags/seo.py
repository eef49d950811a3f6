"""Tags for what search engines and link previews read: JSON-LD and canonical addresses."""

from django import template
from django.urls import reverse

from masthead.discovery import structured_data

register = template.Library()


@register.simple_tag(takes_context=True)
def post_json_ld(context, post, image):
    """{% post_json_ld post og_image %}: the post's NewsArticle script."""
    request = context["request"]
    data = structured_data.post_data(
        post, context["publication"], request.build_absolute_uri, image
    )
    return structured_data.json_ld_script(data)


@register.simple_tag(takes_context=True)
def home_json_ld(context):
    """{% home_json_ld %}: the publication's WebSite script, for its home page."""
    data = structured_data.home_data(context["publication"], context["request"].build_absolute_uri)
    return structured_data.json_ld_script(data)


@register.simple_tag(takes_context=True)
def absolute_url(context, name, *args):
    """{% absolute_url 'posts:detail' post.slug %}: a page's full address, with no query."""
    return context["request"].build_absolute_uri(reverse(name, args=args))
