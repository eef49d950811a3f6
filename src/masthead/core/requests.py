"""What a request asks for, for views that answer both forms and scripts."""


def wants_json(request) -> bool:
    """A script (fetch with Accept: application/json) rather than a form post."""
    return "application/json" in request.headers.get("Accept", "")


def declared_length(request) -> int:
    """The body's size as the request declares it (Content-Length), 0 when absent or bad: for
    refusing an upload too large before reading any of it."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0
