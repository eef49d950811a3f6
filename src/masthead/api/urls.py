"""The public JSON API at /api/v1/: ninja's operations, the docs page, problem answers for
paths and methods it does not know."""

import functools

from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from masthead.api import docs
from masthead.api.app import api
from masthead.api.errors import problem_response


def _with_problem_answers(view):
    """Ninja answers a wrong method with a bare 405; give it the problem shape like the rest."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            answer = problem_response(405, f"Use one of: {allowed}.")
            answer["Allow"] = allowed
            return answer
        return response

    return csrf_exempt(wrapped)


@csrf_exempt
def unknown_path(request, rest=""):
    return problem_response(404, "There is no such API endpoint. See /api/v1/docs/.")


patterns, ninja_app_name, ninja_namespace = api.urls
for pattern in patterns:
    pattern.callback = _with_problem_answers(pattern.callback)

urlpatterns = [
    path("docs/", docs.docs_page, name="api_docs"),
    # Ninja finds its own root by reversing "api_v1:api-root".
    path("", include((patterns, ninja_app_name), namespace=ninja_namespace)),
    path("<path:rest>", unknown_path, name="api_unknown"),
]
