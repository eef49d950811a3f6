"""What a request asks for, for views that answer both forms and scripts."""


def wants_json(request) -> bool:
    """A script (fetch with Accept: application/json) rather than a form post."""
    return "application/json" in request.headers.get("Accept", "")
