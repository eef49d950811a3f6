"""Every error is application/problem+json, and no bad input gets a 500."""

from django.core import signing

from masthead.api.paging import SALT, sign_cursor
from tests.api.conftest import assert_problem, bearer
from tests.factories import make_post


def test_tampered_cursor_is_a_400_problem(client, publication, base):
    for _ in range(3):
        make_post(publication)
    cursor = client.get(f"{base}/posts", {"limit": 1}).json()["next_cursor"]
    assert cursor
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert_problem(client.get(f"{base}/posts", {"cursor": tampered}), 400)
    assert_problem(client.get(f"{base}/posts", {"cursor": "garbage"}), 400)


def test_cursor_of_another_list_is_refused(client, base):
    cursor = sign_cursor("sends", {"m": 1, "i": 1})
    assert_problem(client.get(f"{base}/posts", {"cursor": cursor}), 400)
    forged_offset = signing.dumps({"l": "posts-top", "o": -5}, salt=SALT)
    assert_problem(client.get(f"{base}/posts", {"sort": "top", "cursor": forged_offset}), 400)


def test_huge_limit_and_bad_sort_are_422_with_fields(client, base):
    body = assert_problem(client.get(f"{base}/posts", {"limit": 100000}), 422)
    assert body["errors"][0]["field"] == "limit"
    assert_problem(client.get(f"{base}/posts", {"sort": "random"}), 422)


def test_malformed_json_is_400(client, base, write_key):
    response = client.post(
        f"{base}/posts", "{not json", content_type="application/json", **bearer(write_key)
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_wrong_types_are_422_listing_the_fields(client, base, write_key):
    response = client.post(
        f"{base}/posts",
        {"title": 5, "audience": "everybody"},
        content_type="application/json",
        **bearer(write_key),
    )
    body = assert_problem(response, 422)
    assert {error["field"] for error in body["errors"]} >= {"title", "audience"}


def test_wrong_method_is_a_405_problem(client, base):
    response = client.put(f"{base}/posts")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_unknown_endpoint_is_a_404_problem(client, base):
    assert_problem(client.get(f"{base}/nothing/here"), 404)


def test_too_large_body_is_413(client, base, write_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        f"{base}/posts",
        {"title": "x", "body_markdown": "y" * 5000},
        content_type="application/json",
        **bearer(write_key),
    )
    assert_problem(response, 413)


def test_unexpected_errors_are_a_json_500_without_internals(client, base, monkeypatch):
    from masthead.posts import queries

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(queries, "published_posts", explode)
    response = client.get(f"{base}/posts")
    body = assert_problem(response, 500)
    assert "secret internal detail" not in response.content.decode()
    assert body["title"] == "Server error"


def test_openapi_schema_and_docs_page(client, base):
    schema = client.get(f"{base}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert any(path.endswith("/posts") for path in schema["paths"])
    docs = client.get(f"{base}/docs/")
    assert docs.status_code == 200
    assert b"/posts" in docs.content and b"cdn" not in docs.content.lower()


def test_ids_beyond_the_database_integers_are_422_not_500(client, base, write_key):
    huge = 10**30
    assert_problem(client.get(f"{base}/posts/id/{huge}", **bearer(write_key)), 422)
    assert_problem(client.get(f"{base}/subscribers/{huge}", **bearer(write_key)), 422)
    assert_problem(client.get(f"{base}/sends/{huge}", **bearer(write_key)), 422)
