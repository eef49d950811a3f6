"""No request answers 500: every URL pattern, fuzzed with real and malformed path values, query
strings, form posts and JSON bodies, as a stranger, a subscribed reader and the owner.

The endpoints come from the URL resolver (tests/fuzzing/), so a new page is fuzzed the day it
is added; SKIPPED names the few that cannot be, and a test fails when a pattern is neither.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzzing import payloads
from tests.fuzzing.endpoints import Endpoint, discover_endpoints
from tests.fuzzing.forms import Catalogue
from tests.fuzzing.requests import ROLES, Attempt, Clients, fresh_example, send
from tests.fuzzing.world import MEDIA_NAME, PUBLICATION_HOST, WEBHOOK_SECRET, build_world

# Every test here uses the database (the world), also when run alone with -k.
pytestmark = pytest.mark.django_db

# Patterns that are not fuzzed, by name or route prefix, each with the reason.
SKIPPED = {
    # Django's own admin: staff only, its forms are Django's and tested there.
    "admin:": "Django's admin",
    "admin/": "Django's admin: its unnamed patterns (object pages, the catch-all)",
}

# TEMPORARY: 500s the fuzzer found in code this file's author does not own, one entry per
# endpoint: which tests fail, where, and the fix suggested to the owner. Each is a strict xfail,
# so the entry must be removed the day the endpoint stops answering 500.
KNOWN_SERVER_ERRORS: dict[str, tuple[tuple[str, ...], str]] = {}

# A few examples per endpoint and test keep CI fast; FUZZ_EXAMPLES=500 digs deeper by hand.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5")),
    deadline=None,
    derandomize=True,  # the same examples on every machine and database
    # No shrinking: the failure names the request already, and shrinking a slow 500 takes long.
    phases=[Phase.explicit, Phase.generate],
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # each example rolls its writes back itself
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

ROLE = st.sampled_from(ROLES)
JSON = "application/json"

ALL_ENDPOINTS = discover_endpoints()


def is_skipped(endpoint: Endpoint) -> bool:
    return any(
        endpoint.name.startswith(prefix) or endpoint.route.startswith(prefix) for prefix in SKIPPED
    )


ENDPOINTS = [endpoint for endpoint in ALL_ENDPOINTS if not is_skipped(endpoint)]


def each_endpoint(test: str):
    """The fuzzed endpoints as parameters; the known 500s of `test` as strict xfails."""
    params = []
    for endpoint in ENDPOINTS:
        tests, reason = KNOWN_SERVER_ERRORS.get(endpoint.name, ((), ""))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if test in tests else []
        params.append(pytest.param(endpoint, id=endpoint.name, marks=marks))
    return pytest.mark.parametrize("endpoint", params)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the module, rolled back at its end; each test and example rolls back its own
    writes inside it, so every request starts from the same rows."""
    folder = tmp_path_factory.mktemp("fuzz")
    overrides = override_settings(
        DATA_DIR=folder,
        MEDIA_ROOT=folder / "media",
        PRIVATE_FILES_DIR=folder / "private",
        MAIL_VIEWER_ENABLED=True,
        # An install far east of UTC: the first day of year 1 there is no datetime in UTC.
        TIME_ZONE="Pacific/Kiritimati",
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1", PUBLICATION_HOST],
        ANYMAIL={"WEBHOOK_SECRET": WEBHOOK_SECRET},
        # As conftest's plain_static_files, which runs after module fixtures: no manifest.
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    overrides.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world(folder, folder / "media")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            overrides.disable()


@pytest.fixture(scope="module")
def clients(world, django_db_blocker) -> Clients:
    """Signed in once for the module: their sessions are part of the world."""
    with django_db_blocker.unblock():
        return Clients(world)


@pytest.fixture(scope="module")
def forms(world, clients, django_db_blocker) -> Catalogue:
    """Every form of every page each person can GET, by the endpoint it posts to."""
    catalogue = Catalogue()
    with django_db_blocker.unblock():
        for endpoint in ENDPOINTS:
            path = world.real_path(endpoint)
            for role in ROLES:
                with fresh_example():
                    response = clients.get(role, raise_request_exception=False).get(path)
                catalogue.read(role, endpoint.name, path, response)
    return catalogue


# Coverage -------------------------------------------------------------------------------------


def test_every_url_pattern_is_fuzzed_or_skipped(world):
    """A new pattern is fuzzed unless skipped; its path parameters need real values to reach
    past the lookup, so one the world cannot fill fails here (teach build_world)."""
    unfillable = {
        endpoint.name: world.missing_parameters(endpoint)
        for endpoint in ENDPOINTS
        if world.missing_parameters(endpoint)
    }
    assert unfillable == {}
    assert [endpoint.name for endpoint in ENDPOINTS if not endpoint.is_buildable] == []


def test_skip_list_and_known_errors_name_existing_patterns():
    for prefix in SKIPPED:
        assert any(e.name.startswith(prefix) or e.route.startswith(prefix) for e in ALL_ENDPOINTS)
    assert set(KNOWN_SERVER_ERRORS) <= {endpoint.name for endpoint in ENDPOINTS}


def test_the_fuzzer_finds_the_forms_of_the_site(forms):
    """If pages stopped parsing, the form tests would fuzz nothing of substance."""
    assert {"engagement:comment_create", "subscriptions:subscribe", "desk:post_edit"} <= set(
        forms.fields
    )
    assert forms.fields["engagement:comment_create"]["body"].kind == "textarea"
    # The editor's script posts its fields to the autosave endpoint.
    assert "body_markdown" in forms.fields["desk:post_autosave"]
    assert forms.role_for("engagement:comment_edit") == "reader"
    assert forms.reader_of("desk:subscriber_list") == "owner"
    # The list's export link carries its filters.
    assert "subscribed_to" in forms.query_names_for("desk:subscriber_export")


# Paths ----------------------------------------------------------------------------------------


@each_endpoint("paths")
def test_malformed_path_values_never_answer_500(endpoint, world, clients):
    """The real path as everyone, answered as a server would (an exception is the 500 page), and
    with the other methods as the owner; then each parameter malformed in turn, as a stranger
    and as the owner."""
    real, *malformed = world.path_variants(endpoint)
    headers = world.headers_for(endpoint)
    for role in ROLES:
        client = clients.get(role, raise_request_exception=False)
        for method in ("GET", "POST"):
            with fresh_example():
                send(client, Attempt(endpoint.name, role, method, real, headers=headers))
    for method in ("HEAD", "PUT", "OPTIONS"):
        with fresh_example():
            send(
                clients.get("owner"), Attempt(endpoint.name, "owner", method, real, headers=headers)
            )
    for path in malformed:
        for role in ("anonymous", "owner"):
            for method in ("GET", "POST"):
                with fresh_example():
                    attempt = Attempt(endpoint.name, role, method, path, headers=headers)
                    send(clients.get(role), attempt)


@each_endpoint("prefix")
def test_publication_prefixes_never_answer_500(endpoint, world, clients):
    """Every page under /pub/<slug>/ as well, and under prefixes naming no publication."""
    path = world.real_path(endpoint)
    real_prefix = f"/pub/{world.publication.slug}"
    for role, prefix in (
        ("anonymous", real_prefix),
        ("owner", real_prefix),
        ("owner", "/pub/no-such-publication"),
        ("anonymous", "/pub/" + "a" * 256),
    ):
        with fresh_example():
            send(clients.get(role), Attempt(endpoint.name, role, "GET", prefix + path))


# Form posts -----------------------------------------------------------------------------------


@each_endpoint("sweep")
def test_each_form_field_spoilt_in_turn_never_answers_500(endpoint, world, forms, clients):
    """What the page sends (or the webhook receives), with one field at a time at its worst:
    past validation of the rest, into the code behind it. Then bodies no browser sends. As the
    most trusted person the form is shown to."""
    fields = forms.fields.get(endpoint.name, {})
    if not fields and endpoint.name not in world.json_examples:
        return  # nothing sends it a body of its own; the hypothesis tests below post anyway
    role = forms.role_for(endpoint.name)
    path = world.real_path(endpoint)
    headers = world.headers_for(endpoint)
    for body in payloads.spoilt_bodies(fields):
        with fresh_example():
            body = payloads.multipart_safe(body)
            attempt = Attempt(endpoint.name, role, "POST", path, body=body, headers=headers)
            send(clients.get(role), attempt)
    # Django parses every body alike; these reach the views that read bodies themselves.
    if endpoint.name in world.json_examples or any(f.kind == "file" for f in fields.values()):
        for body, content_type in payloads.RAW_BODIES:
            with fresh_example():
                attempt = Attempt(
                    endpoint.name, role, "POST", path, None, body, content_type, headers
                )
                send(clients.get(role), attempt)
    for body in payloads.spoilt_json(world.json_examples.get(endpoint.name, {})):
        with fresh_example():
            attempt = Attempt(endpoint.name, role, "POST", path, None, body, JSON, headers)
            send(clients.get(role), attempt)


@each_endpoint("forms")
@FUZZ
@given(data=st.data())
def test_malformed_form_posts_never_answer_500(endpoint, world, forms, clients, data):
    body = data.draw(forms.strategy(payloads.form_bodies, endpoint.name), label="body")
    encoding = data.draw(st.sampled_from(["multipart", "urlencoded", "raw"]), label="encoding")
    accept = data.draw(st.sampled_from([(), (("accept", "application/json"),)]), label="accept")
    headers = world.headers_for(endpoint) + accept
    role = data.draw(ROLE, label="role")
    if encoding == "multipart":
        body, content_type = payloads.multipart_safe(body), ""
    elif encoding == "urlencoded":
        body, content_type = payloads.urlencoded(body), "application/x-www-form-urlencoded"
    else:
        raw_bodies = (*payloads.RAW_BODIES, payloads.HUGE_BODY)
        body, content_type = data.draw(st.sampled_from(raw_bodies), label="raw body")
    path = world.real_path(endpoint)
    with fresh_example():
        attempt = Attempt(endpoint.name, role, "POST", path, None, body, content_type, headers)
        send(clients.get(role), attempt)


# Query strings and JSON -----------------------------------------------------------------------


@each_endpoint("query values")
def test_query_values_at_their_worst_never_answer_500(endpoint, world, forms, clients):
    """Every usual query name, and the endpoint's form fields, set to each worst value at once,
    as the most trusted person who may see the page."""
    names = forms.query_names_for(endpoint.name)
    path = world.real_path(endpoint)
    role = forms.reader_of(endpoint.name)
    for value in payloads.QUERY_SPOILERS:
        query = {name: value for name in names}
        with fresh_example():
            attempt = Attempt(
                endpoint.name, role, "GET", path, query, headers=world.headers_for(endpoint)
            )
            send(clients.get(role), attempt)


@each_endpoint("query")
@FUZZ
@given(data=st.data())
def test_malformed_query_strings_never_answer_500(endpoint, world, forms, clients, data):
    names = forms.query_names_for(endpoint.name)
    query = data.draw(forms.strategy(payloads.query_strings, endpoint.name, names), label="query")
    role = data.draw(ROLE, label="role")
    path = world.real_path(endpoint)
    with fresh_example():
        attempt = Attempt(
            endpoint.name, role, "GET", path, query, headers=world.headers_for(endpoint)
        )
        send(clients.get(role), attempt)


@each_endpoint("json")
@FUZZ
@given(data=st.data())
def test_malformed_json_never_answers_500(endpoint, world, forms, clients, data):
    example = world.json_examples.get(endpoint.name)
    body = data.draw(forms.strategy(payloads.json_bodies, endpoint.name, example), label="json")
    role = data.draw(ROLE, label="role")
    path = world.real_path(endpoint)
    headers = world.headers_for(endpoint) + (("accept", JSON),)
    with fresh_example():
        attempt = Attempt(endpoint.name, role, "POST", path, None, body, JSON, headers)
        send(clients.get(role), attempt)


# Hosts and other headers ---------------------------------------------------------------------

ODD_HOSTS = (
    "testserver",
    PUBLICATION_HOST,
    PUBLICATION_HOST.upper() + ".",
    "localhost:8000",
    "127.0.0.1:99999",
    "localhost:abc",
    "[::1]",
    "[::1",
    "evil.example",
    "",
    "a" * 300,
    "host with spaces",
    "ünïcode.example",
    "localhost\x00.evil",
    "xn--.example",
)

ODD_HEADERS = (
    ("cookie", "sessionid=garbage; messages=abc:def; csrftoken=\x7f"),
    ("cookie", "sessionid=" + "a" * 5000),
    ("cookie", "messages=W1siX19qc29uX21lc3NhZ2UiLDAsMjUsIkhpIl1d:1vYxyz:abc"),
    ("accept-language", "*;q=abc, en-XX;q=2, \x00"),
    ("accept", "application/json;q=\x00, */*"),
    ("if-modified-since", "garbage"),
    ("range", "bytes=99999999999999999999-"),
    ("x-forwarded-for", "not an address, ::::"),
    ("referer", "http://[::1/\x00"),
)


def odd_header_paths(world) -> tuple[str, ...]:
    return (
        "/",
        f"/p/{world.path_values['slug']}/",
        f"/pub/{world.publication.slug}/chat/",
        f"/media/{MEDIA_NAME}",
        f"/desk/{world.publication.slug}/",
    )


@pytest.mark.parametrize("allowed_hosts", ["configured", "any"])
def test_odd_host_headers_never_answer_500(world, clients, settings, allowed_hosts):
    if allowed_hosts == "any":
        settings.ALLOWED_HOSTS = ["*"]
    for role in ("anonymous", "owner"):
        for host in ODD_HOSTS:
            headers = (("host", host),)
            with fresh_example():
                for path in odd_header_paths(world):
                    send(clients.get(role), Attempt("host", role, "GET", path, headers=headers))
                attempt = Attempt("host", role, "POST", "/subscribe/", headers=headers)
                send(clients.get(role), attempt)


def test_odd_request_headers_never_answer_500(world, clients):
    for role in ("anonymous", "owner"):
        for header in ODD_HEADERS:
            with fresh_example():
                for path in odd_header_paths(world):
                    for method in ("GET", "POST"):
                        attempt = Attempt("headers", role, method, path, headers=(header,))
                        send(clients.get(role), attempt)
