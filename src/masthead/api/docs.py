"""The API's docs page: rendered on the server from the OpenAPI schema, no outside assets."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(schema: dict) -> list[dict]:
    operations = []
    for route, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": route,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "needs_key": bool(operation.get("security")),
                    "parameters": [
                        {
                            "name": p.get("name"),
                            "where": p.get("in"),
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _body_schema_name(operation),
                    "statuses": sorted(operation.get("responses", {})),
                    "tag": (operation.get("tags") or ["other"])[0],
                }
            )
    return operations


def _body_schema_name(operation: dict) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return reference.rsplit("/", 1)[-1]


@require_safe
def docs_page(request):
    from masthead.api.app import api

    schema = api.get_openapi_schema()
    context = {
        "info": schema.get("info", {}),
        "operations": _operations(schema),
        "schemas": [
            (name, sorted((spec.get("properties") or {}).items()))
            for name, spec in sorted(schema.get("components", {}).get("schemas", {}).items())
        ],
    }
    return render(request, "api/docs.html", context)
