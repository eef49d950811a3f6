"""The Archive filtered by section: links per section, the section's description and feed, every
ordering and the pager kept within the section, and hostile ?section= values answered with 404."""

import re

import pytest
from django.urls import reverse

from masthead.posts.queries import ARCHIVE_PAGE_SIZE
from masthead.publications.models import Section
from tests.factories import add_likes, make_post, make_publication

pytestmark = pytest.mark.django_db


def listed_slugs(response) -> list[str]:
    return re.findall(r'class="post-item" data-slug="([^"]+)"', response.text)


@pytest.fixture
def recipes(publication):
    return Section.objects.create(
        publication=publication, name="Recipes", slug="recipes", description="Slow food, fast."
    )


@pytest.fixture
def travel(publication):
    return Section.objects.create(publication=publication, name="Travel", slug="travel")


def archive(client, **params):
    return client.get(reverse("posts:archive"), params)


def test_a_section_lists_only_its_posts_with_its_description_and_feed(
    client, publication, recipes, travel
):
    soup = make_post(publication, "Soup", section=recipes)
    make_post(publication, "Rome", section=travel)
    make_post(publication, "News")

    response = archive(client, section="recipes")

    assert response.status_code == 200
    assert listed_slugs(response) == [soup.slug]
    assert "Slow food, fast." in response.text
    feed = reverse("discovery:section_feed", args=["recipes"])
    assert '<link rel="alternate" type="application/rss+xml"' in response.text
    assert f'href="{feed}"' in response.text
    assert f'<a href="{feed}">' in response.text


def test_the_whole_archive_links_every_section_and_lists_every_post(
    client, publication, recipes, travel
):
    posts = [make_post(publication, "Soup", section=recipes), make_post(publication, "News")]

    response = archive(client)

    assert set(listed_slugs(response)) == {post.slug for post in posts}
    assert 'href="?section=recipes&amp;sort=new"' in response.text
    assert 'href="?section=travel&amp;sort=new"' in response.text
    assert "Slow food, fast." not in response.text


def test_orderings_and_pager_stay_within_the_section(client, publication, recipes):
    for number in range(ARCHIVE_PAGE_SIZE + 1):
        make_post(publication, f"Recipe {number}", section=recipes)
    make_post(publication, "Not a recipe")
    liked = make_post(publication, "Liked recipe", section=recipes)
    add_likes(liked, 2)

    top = archive(client, section="recipes", sort="top")
    first = archive(client, section="recipes")
    second = archive(client, section="recipes", page=2)

    assert listed_slugs(top)[0] == liked.slug
    assert 'href="?section=recipes&amp;sort=top"' in first.text
    assert 'href="?section=recipes&amp;sort=new&amp;page=2"' in first.text
    assert 'href="?section=recipes&amp;sort=new&amp;page=1"' in second.text
    slugs = listed_slugs(first) + listed_slugs(second)
    assert len(slugs) == ARCHIVE_PAGE_SIZE + 2
    assert "not-a-recipe" not in slugs
    assert listed_slugs(archive(client, section="recipes", sort="discussions")) == []


@pytest.mark.parametrize(
    "value",
    ["nope", "a" * 500, "recipes/../x", "<script>", "recipes\x00", "%00", "ré", " ", "0"],
)
def test_an_unknown_or_hostile_section_is_not_found(client, publication, recipes, value):
    make_post(publication, "Soup", section=recipes)

    response = archive(client, section=value)

    assert response.status_code == 404


def test_a_section_of_another_publication_is_not_found(client, publication):
    Section.objects.create(publication=make_publication(), name="Other", slug="other")

    assert archive(client, section="other").status_code == 404


def test_an_empty_section_parameter_is_the_whole_archive(client, publication, recipes):
    post = make_post(publication, "News")

    response = archive(client, section="")

    assert response.status_code == 200
    assert listed_slugs(response) == [post.slug]


def test_cached_archive_pages_are_kept_apart_per_section(client, publication, recipes, travel):
    soup = make_post(publication, "Soup", section=recipes)
    rome = make_post(publication, "Rome", section=travel)

    whole = archive(client)  # stored first, under its own address
    only_recipes = archive(client, section="recipes")
    only_travel = archive(client, section="travel")
    again = archive(client, section="recipes")

    assert set(listed_slugs(whole)) == {soup.slug, rome.slug}
    assert listed_slugs(only_recipes) == listed_slugs(again) == [soup.slug]
    assert listed_slugs(only_travel) == [rome.slug]


def test_a_changed_description_shows_on_the_cached_page(client, publication, recipes):
    assert "Slow food, fast." in archive(client, section="recipes").text

    recipes.description = "Now with desserts."
    recipes.save()

    assert "Now with desserts." in archive(client, section="recipes").text


def test_a_section_page_costs_a_fixed_number_of_queries(
    client, publication, recipes, django_assert_max_num_queries
):
    for number in range(ARCHIVE_PAGE_SIZE + 5):
        make_post(publication, f"Recipe {number}", section=recipes)
    for sort in ("new", "top", "discussions"):
        with django_assert_max_num_queries(8):
            assert archive(client, section="recipes", sort=sort).status_code == 200
