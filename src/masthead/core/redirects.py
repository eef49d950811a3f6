"""Where a form or a link may send the browser afterwards: a path on this site, nothing else.

Every `next` value a person can type or forge goes through `safe_next_path`; a bad one (another
host, a scheme, a bare word such as `accounts` that is no path) becomes "", and the caller falls
back to its own page. The result is a path, redirected to as is: never resolved as a URL name.
"""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

MAX_NEXT_LENGTH = 500


def safe_next_path(candidate) -> str:
    """`candidate` if it is a local absolute path ("/..."), else ""."""
    if not isinstance(candidate, str) or not candidate.startswith("/"):
        return ""
    if len(candidate) > MAX_NEXT_LENGTH or any(ord(char) < 32 for char in candidate):
        return ""
    if candidate.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts=None):
        return ""
    return candidate


def next_path_of(request) -> str:
    """The request's `next` (form field first, then query string), made safe; "" if none."""
    return safe_next_path(request.POST.get("next") or request.GET.get("next") or "")


def redirect_to_next(request, fallback: str) -> HttpResponseRedirect:
    """Redirect to the request's safe `next`, or to `fallback` (a path or URL built by us)."""
    return HttpResponseRedirect(next_path_of(request) or fallback)
