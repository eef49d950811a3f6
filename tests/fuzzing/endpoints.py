"""The URL patterns to fuzz, from the resolver, and their paths with real or malformed values."""

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

CONVERTER_KINDS = {
    "IntConverter": "int",
    "StringConverter": "str",
    "SlugConverter": "slug",
    "PathConverter": "path",
    "UUIDConverter": "uuid",
}


@dataclass(frozen=True)
class Endpoint:
    name: str  # "namespace:name", or the route for an unnamed pattern
    route: str  # the whole route, includes joined: "p/<slug:slug>/comments/<int:comment_id>/"
    parameters: tuple[tuple[str, str], ...]  # (parameter, converter kind), in route order
    is_route: bool  # False: a regular expression, built by reverse(), so without parameters

    def __str__(self) -> str:
        return self.name

    @property
    def is_buildable(self) -> bool:
        return self.is_route or (not self.parameters and ":" in self.name)


def discover_endpoints() -> list[Endpoint]:
    return list(_walk(get_resolver().url_patterns, "", "", True, ()))


def _walk(patterns, route, namespace, is_route, parameters) -> Iterator[Endpoint]:
    for pattern in patterns:
        here = route + str(pattern.pattern)
        is_here_route = is_route and isinstance(pattern.pattern, RoutePattern)
        found = parameters + _parameters_of(pattern.pattern)
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, here, prefix, is_here_route, found)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else here
            yield Endpoint(name, here, found, is_here_route)


def _parameters_of(pattern) -> tuple[tuple[str, str], ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(
            (name, CONVERTER_KINDS.get(type(converter).__name__, type(converter).__name__))
            for name, converter in pattern.converters.items()
        )
    return tuple((name, "regex") for name in pattern.regex.groupindex)


def build_path(endpoint: Endpoint, values: dict[str, str | bytes]) -> str:
    """The endpoint's path with each parameter replaced by a value, percent-encoded as sent."""
    if not endpoint.is_route:
        return reverse(endpoint.name)
    path = endpoint.route
    for name, kind in endpoint.parameters:
        path = path.replace(
            f"<{kind}:{name}>", quote(values[name], safe="/" if kind == "path" else "")
        )
    return "/" + path


# Malformed path values -------------------------------------------------------------------

# Values no real object has, by converter; each is sent percent-encoded (bytes: as they are).
MALFORMED_PATH_VALUES: dict[str, tuple[str | bytes, ...]] = {
    "int": ("0", "9223372036854775808", "1" + "0" * 40),  # none, one past the largest id, huge
    "slug": ("-", "a" * 256),
    "str": (
        "\x00",
        "..",
        "éü✓𝕏",
        "a" * 256,
        b"\xff\xfe",  # not UTF-8
        "AAAA:BBBB:CCCC",  # shaped like a signed token, signed by no one
        ".eJyrVipWsjJUqgUAFUMDHQ:1vYxyz:abc",  # a "compressed" token of garbage
    ),
    "path": ("../../etc/passwd", "a" * 256, "\x00", b"\xff.png"),
}
