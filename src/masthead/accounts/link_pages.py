"""Rendering the pages that emailed links open (sign-in, confirmation, invitation).

Their address carries a token, so the page tells the browser not to pass it on: no Referer to
any other site (the site-wide policy would still send the origin), and no copy kept in a shared
cache. "same-origin" rather than "no-referrer": under "no-referrer" a browser sends
`Origin: null` with the page's own form, and the CSRF check then refuses the button.
"""

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


def link_page(request, template: str, context: dict, *, status: int = 200):
    response = render(request, template, context, status=status)
    response.headers["Referrer-Policy"] = "same-origin"
    add_never_cache_headers(response)
    return response
