"""Home, post and about pages: what the public sees, what it never sees, and what it costs."""

import re

import pytest
from django.urls import reverse

from masthead.posts.models import Audience, PostStatus
from tests.factories import add_comments, add_likes, make_person, make_post, make_publication

pytestmark = pytest.mark.django_db


def test_home_features_the_latest_post_then_recent_ones(client, publication):
    older = make_post(publication, "Older story")
    latest = make_post(publication, "Latest story")
    latest.published_at = older.published_at.replace(year=older.published_at.year + 1)
    latest.save(update_fields=["published_at"])

    response = client.get(reverse("posts:home"))

    assert response.status_code == 200
    featured = re.search(
        r'id="featured-title" class="featured__title"><a [^>]*>([^<]+)<', response.text
    )
    assert featured[1] == "Latest story"
    assert "Older story" in response.text


def test_post_page_shows_title_subtitle_author_body_and_counts(client, publication):
    author = make_person(name="Ada Writer")
    post = make_post(
        publication, "Readable", subtitle="A subtitle", author=author, body="# Hi\n\nThe **body**."
    )
    add_likes(post, 3)
    add_comments(post, 1)

    response = client.get(reverse("posts:detail", args=[post.slug]))

    assert response.status_code == 200
    text = response.text
    assert '<h1 class="post__title">Readable</h1>' in text
    assert "A subtitle" in text and "Ada Writer" in text
    assert "<strong>body</strong>" in text
    assert '<span class="count__number">3</span>' in text
    assert '<span class="count__number">1</span>' in text


def test_post_page_has_title_description_canonical_and_open_graph(client, published_post):
    response = client.get(reverse("posts:detail", args=[published_post.slug]))
    text = response.text

    assert f"<title>{published_post.title} · The Daily Build</title>" in text
    assert '<meta name="description"' in text
    assert f'<link rel="canonical" href="http://testserver/p/{published_post.slug}/">' in text
    assert '<meta property="og:type" content="article">' in text
    assert f'<meta property="og:title" content="{published_post.title}">' in text


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.SCHEDULED])
def test_unpublished_posts_are_not_found(client, publication, status):
    post = make_post(publication, "Hidden", status=status)

    response = client.get(reverse("posts:detail", args=[post.slug]))

    assert response.status_code == 404
    assert "Hidden" not in client.get(reverse("posts:home")).text


def test_script_in_a_post_body_is_rendered_inert(client, publication):
    post = make_post(
        publication, "Sneaky", body="<script>alert(1)</script>\n\n[x](javascript:alert(2))"
    )

    text = client.get(reverse("posts:detail", args=[post.slug])).text

    assert "<script>alert(1)" not in text
    assert 'href="javascript:' not in text


def test_paid_post_shows_only_its_preview_to_the_public(client, publication):
    post = make_post(
        publication, "Members only", audience=Audience.PAID,
        body="Free first paragraph.\n\nFree second.\n\nThe paid secret.",
    )  # fmt: skip

    text = client.get(reverse("posts:detail", args=[post.slug])).text

    assert "Free first paragraph." in text
    assert "The paid secret." not in text
    assert "This post is for paid subscribers" in text


def test_paid_post_is_whole_for_its_publication_staff(client, publication):
    writer = make_person()
    publication.memberships.create(person=writer, role="author")
    post = make_post(
        publication, "Members only", audience=Audience.PAID, body="A.\n\nB.\n\nSecret C."
    )
    client.force_login(writer)

    assert "Secret C." in client.get(reverse("posts:detail", args=[post.slug])).text


def test_unknown_post_and_page_are_real_404_pages(client, publication):
    for url in ("/p/no-such-post/", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.text
        assert "The Daily Build" in response.text


def test_unknown_publication_prefix_is_a_404(client, publication):
    response = client.get("/pub/no-such-publication/archive/")

    assert response.status_code == 404
    assert "Page not found" in response.text


def test_about_page_shows_the_about_text_and_people(client, publication):
    publication.about_html = "<p>We write about builds.</p>"
    publication.save()
    publication.memberships.create(person=make_person(name="Olive Owner"), role="owner")

    response = client.get(reverse("publications:about"))

    assert response.status_code == 200
    assert "We write about builds." in response.text and "Olive Owner" in response.text


@pytest.mark.parametrize("page", ["home", "archive", "post"])
def test_page_query_counts_do_not_grow_with_posts(
    client, publication, django_assert_max_num_queries, page
):
    posts = [make_post(publication) for _ in range(30)]
    for post in posts[:10]:
        add_likes(post, 1)
    url = {
        "home": reverse("posts:home"),
        "archive": reverse("posts:archive"),
        "post": reverse("posts:detail", args=[posts[0].slug]),
    }[page]
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_second_publication_answers_under_its_path_prefix(client, publication):
    other = make_publication(name="Other Times", slug="other-times")
    theirs = make_post(other, "Their post")
    make_post(publication, "Our post")

    response = client.get(f"/pub/other-times/p/{theirs.slug}/")
    archive = client.get("/pub/other-times/archive/")

    assert response.status_code == 200 and "Other Times" in response.text
    assert f'href="/pub/other-times/p/{theirs.slug}/"' in archive.text
    assert "Our post" not in archive.text


def test_a_publication_answers_at_the_root_of_its_own_host(client, publication, settings):
    settings.ALLOWED_HOSTS = ["testserver", "weekly.example.com"]
    other = make_publication(name="Hosted Weekly", host="weekly.example.com")
    make_post(other, "Hosted post")

    response = client.get("/archive/", HTTP_HOST="weekly.example.com")

    assert response.status_code == 200
    assert "Hosted post" in response.text and "Hosted Weekly" in response.text


def test_empty_install_explains_how_to_create_a_publication(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "masthead createpublication" in response.text
