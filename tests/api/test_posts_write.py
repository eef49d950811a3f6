"""Creating, updating, scheduling and publishing posts with a write key, through the services."""

import datetime as dt

from django.utils import timezone

from masthead.posts.models import Post, PostStatus
from tests.api.conftest import assert_problem, bearer
from tests.factories import make_post


def _post(client, url, data, key):
    return client.post(url, data, content_type="application/json", **bearer(key))


def test_create_post_makes_a_draft_bylined_to_the_keys_creator(client, base, write_key, owner):
    response = _post(
        client, f"{base}/posts", {"title": "Hello", "body_markdown": "**Hi**"}, write_key
    )
    assert response.status_code == 201
    post = Post.objects.get()
    assert post.status == PostStatus.DRAFT
    assert list(post.authors.all()) == [owner]
    assert "<strong>Hi</strong>" in response.json()["body_html"]


def test_taken_slug_is_a_422_naming_the_field(client, base, write_key, publication):
    make_post(publication, slug="taken")
    response = _post(client, f"{base}/posts", {"title": "X", "slug": "taken"}, write_key)
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "slug"
    assert Post.objects.count() == 1


def test_update_changes_only_what_is_given(client, base, write_key, publication):
    post = make_post(publication, "Old title", status=PostStatus.DRAFT, subtitle="Kept")
    response = client.patch(
        f"{base}/posts/id/{post.id}",
        {"title": "New title"},
        content_type="application/json",
        **bearer(write_key),
    )
    assert response.status_code == 200
    post.refresh_from_db()
    assert (post.title, post.subtitle) == ("New title", "Kept")


def test_schedule_then_publish(client, base, write_key, publication):
    post = make_post(publication, status=PostStatus.DRAFT)
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = _post(client, f"{base}/posts/id/{post.id}/schedule", {"publish_at": when}, write_key)
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    response = _post(client, f"{base}/posts/id/{post.id}/publish", {}, write_key)
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_schedule_in_the_past_is_422(client, base, write_key, publication):
    post = make_post(publication, status=PostStatus.DRAFT)
    when = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = _post(client, f"{base}/posts/id/{post.id}/schedule", {"publish_at": when}, write_key)
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "publish_at"
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_scheduling_a_published_post_is_a_409(client, base, write_key, publication):
    post = make_post(publication)
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = _post(client, f"{base}/posts/id/{post.id}/schedule", {"publish_at": when}, write_key)
    assert_problem(response, 409)


def test_posts_of_another_publication_are_404(client, base, write_key):
    from tests.factories import make_publication

    elsewhere = make_post(make_publication(), status=PostStatus.DRAFT)
    response = _post(client, f"{base}/posts/id/{elsewhere.id}/publish", {}, write_key)
    assert_problem(response, 404)
    elsewhere.refresh_from_db()
    assert elsewhere.status == PostStatus.DRAFT


def test_staff_can_read_a_draft_by_id(client, base, write_key, publication):
    post = make_post(publication, "Secret draft", status=PostStatus.DRAFT)
    response = client.get(f"{base}/posts/id/{post.id}", **bearer(write_key))
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert_problem(client.get(f"{base}/posts/id/{post.id}"), 401)
