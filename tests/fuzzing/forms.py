"""The forms the site serves, read from its pages: fields, the values they offer, who sees them."""

import html.parser
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import resolve
from django.urls.exceptions import Resolver404

# The names query strings usually carry: paging, sorting, cursors, filters, redirects, referrals.
QUERY_NAMES = ("page", "sort", "before", "status", "next", "r", "q", "comments", "tab", "offer")


@dataclass
class Field:
    name: str
    kind: str  # the input's type, "textarea" or "select"
    values: set = field(default_factory=set)  # the values the page offers (value=, options)
    default: str | None = None  # what the browser would send untouched; None: nothing


class FormParser(html.parser.HTMLParser):
    """The forms of a page: {action path: {field name: Field}}. A form without action posts to
    the page itself; its data-*-url paths (autosave, preview, upload) get its fields by script."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: dict[str, dict[str, Field]] = {}
        self.link_queries: dict[str, set[str]] = {}  # path -> names its links' queries carry
        self.get_form_names: set[str] = set()  # names of forms that put them in a query string
        self._fields: list[dict[str, Field]] | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._is_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "a" and "?" in attributes.get("href", ""):
            link = urlsplit(attributes["href"])
            names = {pair.split("=", 1)[0] for pair in link.query.split("&") if pair}
            self.link_queries.setdefault(link.path or self.page_path, set()).update(names)
        elif tag == "form":
            actions = [attributes.get("action") or self.page_path]
            actions += [
                value
                for name, value in attributes.items()
                if name.startswith("data-") and name.endswith("-url") and value
            ]
            self._fields = [
                self.forms.setdefault(urlsplit(action).path or self.page_path, {})
                for action in actions
            ]
            self._is_get_form = attributes.get("method", "get").lower() == "get"
        elif self._fields is None or (tag != "option" and not attributes.get("name")):
            return
        elif tag in ("input", "button"):
            kind = attributes.get("type", "text").lower()
            found = self._field(attributes["name"], kind)
            value = attributes.get("value", "on" if kind in ("checkbox", "radio") else "")
            found.values.add(value)
            is_sent = kind not in ("checkbox", "radio", "submit", "button", "image", "file")
            if found.default is None and (is_sent or "checked" in attributes):
                found.default = value
        elif tag == "textarea":
            self._textarea = self._field(attributes["name"], tag)
            self._textarea.default = ""
        elif tag == "select":
            self._select = self._field(attributes["name"], tag)
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            self._select.values.add(value)
            if self._select.default is None or "selected" in attributes:
                self._select.default = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.default += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _field(self, name: str, kind: str) -> Field:
        if self._is_get_form:
            self.get_form_names.add(name)
        found = self._fields[0].setdefault(name, Field(name, kind))
        for fields in self._fields[1:]:
            fields[name] = found
        return found


def endpoint_name_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


# What an endpoint no page has a form for (a script's, a link's) is posted: the names forms use.
GENERIC_FIELDS = {
    name: Field(name, kind)
    for name, kind in (
        ("body", "textarea"),
        ("next", "hidden"),
        ("action", "hidden"),
        ("id", "hidden"),
        ("email", "email"),
        ("publication", "hidden"),
        ("image", "file"),
        ("file", "file"),
    )
}


class Catalogue:
    """Every form the site serves, by the endpoint it posts to, and who was shown it."""

    def __init__(self):
        self.fields: dict[str, dict[str, Field]] = {}
        self.roles: dict[str, list[str]] = {}
        self.readers: dict[str, list[str]] = {}  # endpoint -> who may GET its page
        self.query_names: dict[str, set[str]] = {}  # endpoint -> names its links' queries carry
        self.get_form_names: set[str] = set()  # e.g. filters, which links then carry anywhere
        self._strategies: dict = {}

    def read(self, role: str, endpoint: str, page_path: str, response) -> None:
        if response.status_code < 400:
            self.readers.setdefault(endpoint, []).append(role)
        if "html" not in response.get("Content-Type", "") or response.streaming:
            return
        parser = FormParser(page_path)
        parser.feed(response.content.decode(errors="replace"))
        self.get_form_names |= parser.get_form_names
        for path, names in parser.link_queries.items():
            if (name := endpoint_name_of(path)) is not None:
                self.query_names.setdefault(name, set()).update(names)
        for action, fields in parser.forms.items():
            name = endpoint_name_of(action)
            if name is None:
                continue
            if role not in self.roles.setdefault(name, []):
                self.roles[name].append(role)
            merged = self.fields.setdefault(name, {})
            for field_name, found in fields.items():
                known = merged.setdefault(field_name, Field(field_name, found.kind))
                known.values |= found.values
                if known.default is None:
                    known.default = found.default

    def fields_for(self, endpoint: str) -> dict[str, Field]:
        """The endpoint's form fields; for one no page has a form for, the common names."""
        return self.fields.get(endpoint, GENERIC_FIELDS)

    def query_names_for(self, endpoint: str) -> list[str]:
        """The names a query string to the endpoint may carry: the usual ones, its links', its
        forms', and those of every search or filter form (a link may pass them on)."""
        names = set(QUERY_NAMES) | self.query_names.get(endpoint, set()) | self.get_form_names
        return sorted(names | set(self.fields.get(endpoint, {})))

    def strategy(self, build, endpoint: str, *more):
        """`build(fields, *more)` for the endpoint, made once: strategies are slow to make."""
        key = (build, endpoint)
        if key not in self._strategies:
            self._strategies[key] = build(self.fields_for(endpoint), *more)
        return self._strategies[key]

    def role_for(self, endpoint: str) -> str:
        """The most trusted person shown the endpoint's form (they get past the most checks);
        the owner when no page has one."""
        return self.roles.get(endpoint, ["owner"])[-1]

    def reader_of(self, endpoint: str) -> str:
        """The most trusted person who may GET the endpoint; the owner when no one may."""
        return self.readers.get(endpoint, ["owner"])[-1]
