"""Who may not use the post editor: strangers, readers, other publications' staff, colleagues."""

import pytest
from django.urls import reverse

from masthead.posts.models import Post, PostStatus
from masthead.publications.models import Role
from tests.factories import make_post, make_publication

pytestmark = pytest.mark.django_db

# (URL name, HTTP method, whether the URL names a post)
VIEWS = [
    ("desk:post_list", "get", False),
    ("desk:post_new", "get", False),
    ("desk:post_new", "post", False),
    ("desk:post_autosave_new", "post", False),
    ("desk:post_render_preview", "post", False),
    ("desk:post_image_upload", "post", False),
    ("desk:post_edit", "get", True),
    ("desk:post_edit", "post", True),
    ("desk:post_autosave", "post", True),
    ("desk:post_preview", "get", True),
    ("desk:post_unpublish", "post", True),
    ("desk:post_delete", "get", True),
    ("desk:post_delete", "post", True),
]
POST_VIEWS = [view for view in VIEWS if view[2]]
FORM = {
    "title": "Changed",
    "body_markdown": "Changed.",
    "audience": "everyone",
    "action": "publish",
}


def call(client, view, publication, post):
    name, method, names_post = view
    args = [publication.slug, post.id] if names_post else [publication.slug]
    return getattr(client, method)(reverse(name, args=args), FORM if method == "post" else None)


def assert_untouched(post):
    post.refresh_from_db()
    assert post.title == "A draft"
    assert post.status == PostStatus.DRAFT
    assert Post.objects.count() == 1


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_strangers_are_sent_to_sign_in(client, publication, draft, view):
    response = call(client, view, publication, draft)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert_untouched(draft)


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_a_reader_who_is_not_staff_gets_not_found(client, publication, draft, reader, view):
    client.force_login(reader)

    response = call(client, view, publication, draft)

    assert response.status_code == 404
    assert_untouched(draft)


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_the_owner_of_another_publication_gets_not_found(
    client, publication, draft, make_staff, view
):
    client.force_login(make_staff(Role.OWNER, on=make_publication()))

    response = call(client, view, publication, draft)

    assert response.status_code == 404
    assert_untouched(draft)


@pytest.mark.parametrize("view", POST_VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_an_author_cannot_touch_a_colleagues_post(client, publication, draft, make_staff, view):
    client.force_login(make_staff(Role.AUTHOR))

    response = call(client, view, publication, draft)

    assert response.status_code == 403
    assert_untouched(draft)


@pytest.mark.parametrize("view", POST_VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_a_post_is_not_found_through_another_publication_the_person_owns(
    client, publication, draft, make_staff, view
):
    other = make_publication()
    client.force_login(make_staff(Role.OWNER, on=other))

    response = call(client, view, other, draft)

    assert response.status_code == 404
    assert_untouched(draft)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_may_edit_every_post(client, publication, draft, make_staff, role):
    client.force_login(make_staff(role))

    response = client.get(reverse("desk:post_edit", args=[publication.slug, draft.id]))

    assert response.status_code == 200
    assert ">A draft</textarea>" in response.text


def test_an_author_may_edit_a_post_they_cowrote(client, publication, author, make_staff):
    colleague = make_staff(Role.AUTHOR)
    post = make_post(publication, "Together", status=PostStatus.DRAFT, author=colleague)
    post.bylines.create(person=author, position=1)
    client.force_login(author)

    response = client.get(reverse("desk:post_edit", args=[publication.slug, post.id]))

    assert response.status_code == 200


def test_a_post_id_beyond_any_database_integer_is_not_found(author_client, publication):
    url = f"/desk/{publication.slug}/posts/99999999999999999999999/"

    assert author_client.get(url).status_code == 404


def test_autosave_answers_only_post(author_client, publication, draft):
    response = author_client.get(reverse("desk:post_autosave", args=[publication.slug, draft.id]))

    assert response.status_code == 405


def test_unpublishing_needs_a_post_request(author_client, publication, published_post):
    response = author_client.get(
        reverse("desk:post_unpublish", args=[publication.slug, published_post.id])
    )

    assert response.status_code == 405
