"""Template filters for how Masthead writes dates and bylines, and sizes its images.

Dates and times are written one way everywhere: "Sep 2" for a day and "Sep 2 · 14:00" for a
moment ("Dec 22, 2024" and "Dec 22, 2024 · 09:05" outside the current year), in the time zone
that is active: the publication's, which its pages, desk, broadcasts and emails activate."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from masthead.publications.social_cards import image_size

register = template.Library()


@register.filter
def short_date(value) -> str:
    """ "Sep 2" within the current year, "Dec 22, 2024" otherwise, as newsletter archives do."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    day = f"{local:%b} {local.day}"
    if local.year == timezone.localtime().year:
        return day
    return f"{day}, {local.year}"


@register.filter
def moment(value) -> str:
    """ "Sep 2 · 14:00": a day as short_date writes it, and the time on a 24-hour clock."""
    if value is None:
        return ""
    return f"{short_date(value)} · {timezone.localtime(value):%H:%M}"


@register.filter
def byline(post) -> str:
    names = [author.person.name for author in post.bylines.all()]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@register.simple_tag
def image_size_attrs(field_file) -> str:
    """width and height attributes of an uploaded image, so the page keeps its place for it
    while it loads; nothing when the file cannot be read."""
    if not field_file:
        return ""
    size = image_size(field_file)
    if size is None:
        return ""
    return format_html('width="{}" height="{}"', *size)


@register.filter
def people_with_bios(bylines) -> list:
    """The authors of a post's bylines who have a bio, in byline order."""
    return [author.person for author in bylines if author.person.bio]
