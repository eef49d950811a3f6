"""Template filters for how Masthead writes dates and bylines."""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def short_date(moment) -> str:
    """ "Sep 2" within the current year, "Dec 22, 2024" otherwise, as newsletter archives do."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    day = f"{local:%b} {local.day}"
    if local.year == timezone.localtime().year:
        return day
    return f"{day}, {local.year}"


@register.filter
def byline(post) -> str:
    names = [author.person.name for author in post.bylines.all()]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
