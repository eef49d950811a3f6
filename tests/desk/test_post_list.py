"""The desk's list of posts: what each person sees, the status tabs, and what the page costs."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from masthead.posts import services
from masthead.posts.models import PostStatus
from masthead.publications.models import Role, Section
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def list_url(publication, **query) -> str:
    url = reverse("desk:post_list", args=[publication.slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


@pytest.fixture
def three_posts(publication, author):
    draft = make_post(publication, "My draft", status=PostStatus.DRAFT, author=author)
    scheduled = make_post(publication, "My plan", status=PostStatus.DRAFT, author=author)
    services.schedule_post(scheduled, timezone.now() + dt.timedelta(days=2))
    published = make_post(publication, "My story", author=author)
    return draft, scheduled, published


def test_the_list_shows_each_post_with_its_status_and_edit_link(
    author_client, publication, three_posts
):
    response = author_client.get(list_url(publication))

    assert response.status_code == 200
    for post, status in zip(three_posts, ["Draft", "Scheduled", "Published"], strict=True):
        row = response.text.split(f'data-post-id="{post.id}"')[1].split("</tr>")[0]
        assert post.title in row
        assert f'<span class="status status--{post.status}">{status}</span>' in row
        assert f'href="{reverse("desk:post_edit", args=[publication.slug, post.id])}"' in row


def test_a_published_post_links_to_its_public_page(author_client, publication, three_posts):
    published = three_posts[2]

    response = author_client.get(list_url(publication))

    assert f'href="http://127.0.0.1:8000/p/{published.slug}/"' in response.text


def test_an_author_sees_only_the_posts_they_write(
    author_client, publication, three_posts, make_staff
):
    make_post(publication, "Colleague's draft", status=PostStatus.DRAFT, author=make_staff())

    response = author_client.get(list_url(publication))

    assert "My draft" in response.text
    assert "Colleague" not in response.text


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_see_every_post(client, publication, three_posts, make_staff, role):
    make_post(publication, "Colleague's draft", status=PostStatus.DRAFT, author=make_staff())
    client.force_login(make_staff(role))

    response = client.get(list_url(publication))

    assert "My draft" in response.text and "Colleague" in response.text


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [("draft", "My draft", "My story"), ("scheduled", "My plan", "My draft"),
     ("published", "My story", "My plan")],
)  # fmt: skip
def test_a_tab_shows_the_posts_of_one_status(
    author_client, publication, three_posts, status, shown, hidden
):
    response = author_client.get(list_url(publication, status=status))

    assert shown in response.text
    assert hidden not in response.text


def test_the_tabs_count_the_posts_of_each_status(author_client, publication, three_posts):
    response = author_client.get(list_url(publication))

    for label, count in [("All", 3), ("Drafts", 1), ("Scheduled", 1), ("Published", 1)]:
        assert f'{label} <span class="tab-count">{count}</span>' in response.text


def test_a_page_number_beyond_any_integer_shows_an_empty_page(author_client, publication):
    response = author_client.get(list_url(publication, page="9" * 30))

    assert response.status_code == 200
    assert "No posts here." in response.text


@pytest.mark.parametrize("query", [{"page": "abc"}, {"page": "-3"}, {"status": "<x>"}])
def test_odd_query_values_show_the_first_page(author_client, publication, three_posts, query):
    response = author_client.get(list_url(publication, **query))

    assert response.status_code == 200
    assert "My draft" in response.text


def test_the_list_costs_the_same_queries_for_sixty_posts(
    client, publication, make_staff, django_assert_max_num_queries
):
    owner = make_staff(Role.OWNER)
    section = Section.objects.create(publication=publication, name="Notes", slug="notes")
    for number in range(60):
        post = make_post(publication, f"Post {number}", section=section)
        post.bylines.create(person=owner, position=1)
    client.force_login(owner)

    with django_assert_max_num_queries(10):
        response = client.get(list_url(publication))

    assert response.status_code == 200
    assert response.text.count("data-post-id=") == 50
    assert 'rel="next"' in response.text
