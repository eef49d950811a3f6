"""The NinjaAPI of /api/v1/: its routers, its error handlers, its OpenAPI description."""

from ninja import NinjaAPI

from masthead.api.endpoints import comments, notes, posts, sends, stats, subscribers
from masthead.api.errors import install_handlers

PROBLEM_JSON = "application/problem+json"
DESCRIPTION = (
    "Read a publication's posts, notes and comments anonymously, with the same rules as its "
    "pages; with an API key created in the desk (Authorization: Bearer mh_…), manage posts "
    "and subscribers, read sends and the dashboard's numbers. Errors are application/problem+json."
)


class MastheadApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Ninja's schema, with errors declared as the problem+json they are sent as."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema["paths"].values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        return schema


api = MastheadApi(
    title="Masthead API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api_v1",
    docs_url=None,  # our own page at docs/: Swagger UI would need a CDN
    openapi_url="/openapi.json",
)
install_handlers(api)
for module in (posts, comments, notes, subscribers, sends, stats):
    api.add_router("/", module.router)
