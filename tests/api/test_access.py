"""Who may call what: keys, scopes, other publications' keys, revoked keys, rate limits."""

from masthead.api.keys import create_key, digest_of, revoke_key
from masthead.api.models import ApiKey
from masthead.posts.models import Post
from tests.api.conftest import assert_problem, bearer
from tests.factories import make_person, make_publication

NEW_POST = {"title": "From a script", "body_markdown": "Hello."}


def test_keys_are_stored_only_as_a_digest(publication, owner):
    new = create_key(publication, owner, "Script", "read")
    assert new.secret.startswith("mh_")
    stored = ApiKey.objects.get(id=new.key.id)
    assert stored.secret_digest == digest_of(new.secret)
    assert new.secret not in {stored.prefix, stored.secret_digest, stored.name}
    assert new.secret.startswith(stored.prefix)


def test_anonymous_write_is_401(client, base):
    response = client.post(f"{base}/posts", NEW_POST, content_type="application/json")
    assert_problem(response, 401)
    assert not Post.objects.exists()


def test_read_key_cannot_write(client, base, read_key):
    response = client.post(
        f"{base}/posts", NEW_POST, content_type="application/json", **bearer(read_key)
    )
    assert_problem(response, 403)
    assert not Post.objects.exists()


def test_key_of_another_publication_is_403_here(client, base):
    other = make_publication()
    secret = create_key(other, make_person(), "Other", "write").secret
    response = client.get(f"{base}/subscribers", **bearer(secret))
    assert_problem(response, 403)
    response = client.post(
        f"{base}/posts", NEW_POST, content_type="application/json", **bearer(secret)
    )
    assert_problem(response, 403)
    assert not Post.objects.exists()


def test_key_on_the_bare_api_path_acts_for_its_publication(client, publication, write_key):
    response = client.post(
        "/api/v1/posts", NEW_POST, content_type="application/json", **bearer(write_key)
    )
    assert response.status_code == 201
    assert Post.objects.get().publication_id == publication.id


def test_unknown_and_revoked_keys_get_the_same_401(client, base, publication, owner):
    new = create_key(publication, owner, "Soon revoked", "read")
    revoke_key(new.key)
    revoked = assert_problem(client.get(f"{base}/subscribers", **bearer(new.secret)), 401)
    unknown = assert_problem(client.get(f"{base}/subscribers", **bearer("mh_nope")), 401)
    assert revoked["detail"] == unknown["detail"]
    # Even on anonymous endpoints a bad key is refused rather than ignored.
    assert_problem(client.get(f"{base}/posts", **bearer("mh_nope")), 401)
    assert_problem(client.get(f"{base}/posts", HTTP_AUTHORIZATION="Basic abc"), 401)


def test_staff_lists_need_a_key(client, base):
    assert_problem(client.get(f"{base}/subscribers"), 401)
    assert_problem(client.get(f"{base}/sends"), 401)


def test_using_a_key_records_its_last_use(client, base, publication, owner):
    new = create_key(publication, owner, "Script", "read")
    client.get(f"{base}/subscribers", **bearer(new.secret))
    new.key.refresh_from_db()
    assert new.key.last_used_at is not None


def test_rate_limit_per_key_answers_429(client, base, read_key, settings):
    settings.API_RATE_PER_KEY = (2, 60)
    assert client.get(f"{base}/posts", **bearer(read_key)).status_code == 200
    assert client.get(f"{base}/posts", **bearer(read_key)).status_code == 200
    response = client.get(f"{base}/posts", **bearer(read_key))
    assert_problem(response, 429)
    assert response["Retry-After"]


def test_anonymous_rate_limit_per_address(client, base, settings):
    settings.API_RATE_PER_ADDRESS = (1, 60)
    assert client.get(f"{base}/posts").status_code == 200
    assert_problem(client.get(f"{base}/posts"), 429)
