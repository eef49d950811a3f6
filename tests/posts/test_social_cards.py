"""Every page has an og:image: a post's cover, else the publication's social image, else a card
drawn from the title, the publication's name and its colour, at an address that changes with them."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from masthead.posts.models import Audience, PostStatus
from masthead.publications.social_cards import card_version
from tests.factories import make_post, make_publication


def png_bytes(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), "#336699").save(output, "PNG")
    return output.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# The page's own origin (Django's test client asks for "testserver"), as its og:url.
ORIGIN = "http://testserver"


def meta(html: str, name: str) -> str | None:
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return match[1] if match else None


def test_a_post_with_a_cover_shares_the_cover_at_an_absolute_address(client, publication):
    post = make_post(publication, "Covered")
    post.cover_image.save("cover.png", ContentFile(png_bytes(800, 400)))

    html = client.get(reverse("posts:detail", args=[post.slug])).text

    assert meta(html, "og:image") == ORIGIN + post.cover_image.url
    assert meta(html, "og:image:width") == "800" and meta(html, "og:image:height") == "400"
    assert meta(html, "og:image:alt") == "Covered"
    assert meta(html, "twitter:card") == "summary_large_image"


def test_a_post_without_a_cover_shares_the_publications_social_image(client, publication):
    publication.social_image.save("social.png", ContentFile(png_bytes(1200, 630)))
    post = make_post(publication, "Plain")

    html = client.get(reverse("posts:detail", args=[post.slug])).text

    assert meta(html, "og:image") == ORIGIN + publication.social_image.url


def test_a_post_without_any_image_shares_its_drawn_card(client, publication, published_post):
    html = client.get(reverse("posts:detail", args=[published_post.slug])).text

    image_url = meta(html, "og:image")
    assert image_url.startswith(f"{ORIGIN}/p/{published_post.slug}/card-")
    response = client.get(urlsplit(image_url).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1200, 630)
    assert meta(html, "og:image:width") == "1200" and meta(html, "og:image:height") == "630"
    assert "immutable" in response["Cache-Control"] and response["ETag"]


def test_a_lost_cover_file_falls_back_to_the_card_instead_of_failing(client, publication):
    post = make_post(publication, "Lost cover")
    post.cover_image.name = "covers/gone.png"
    post.save(update_fields=["cover_image"])

    response = client.get(reverse("posts:detail", args=[post.slug]))

    assert response.status_code == 200
    assert "/card-" in meta(response.text, "og:image")


def test_the_home_page_shares_the_publications_card(client, publication):
    html = client.get(reverse("posts:home")).text

    image_url = meta(html, "og:image")
    assert image_url.startswith(f"{ORIGIN}/social-card-")
    response = client.get(urlsplit(image_url).path)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (1200, 630)


def test_every_publication_page_has_an_og_image(client, publication, published_post):
    for name in ("posts:archive", "publications:about", "referrals:leaderboard"):
        assert meta(client.get(reverse(name)).text, "og:image"), name


def test_the_card_address_changes_with_the_title(client, publication, published_post):
    before = meta(client.get(reverse("posts:detail", args=[published_post.slug])).text, "og:image")
    published_post.title = "A new title"
    published_post.save(update_fields=["title"])

    after = meta(client.get(reverse("posts:detail", args=[published_post.slug])).text, "og:image")

    assert before != after
    old = client.get(urlsplit(before).path)
    assert old.status_code == 302 and old["Location"] == urlsplit(after).path


def test_an_unchanged_card_answers_not_modified(client, published_post):
    url = urlsplit(
        meta(client.get(reverse("posts:detail", args=[published_post.slug])).text, "og:image")
    ).path
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_an_unknown_post_has_no_card(client, publication):
    response = client.get(reverse("posts:social_card", args=["no-such-post", "0123456789abcdef"]))

    assert response.status_code == 404


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.SCHEDULED])
def test_an_unpublished_posts_title_is_never_drawn(client, publication, status):
    draft = make_post(publication, "Secret merger plans", status=status)
    version = card_version(draft.title, publication.name, publication.accent_color)

    response = client.get(reverse("posts:social_card", args=[draft.slug, version]))

    assert response.status_code == 404


def test_a_paid_posts_card_is_drawn_from_its_title_alone(client, publication):
    paid = make_post(publication, "Same title", audience=Audience.PAID, body="Secret " * 200)
    free = make_post(publication, "Same title", body="Open words.")

    responses = [
        client.get(meta(client.get(reverse("posts:detail", args=[post.slug])).text, "og:image"))
        for post in (paid, free)
    ]

    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0]["Content-Type"] == "image/png"
    assert responses[0].content == responses[1].content


def test_a_publication_under_a_path_shares_a_card_under_that_path(client, publication):
    other = make_publication(name="Other Times", slug="other-times")
    post = make_post(other, "Theirs")

    html = client.get(f"/pub/other-times/p/{post.slug}/").text

    image_url = meta(html, "og:image")
    assert image_url.startswith(f"{ORIGIN}/pub/other-times/p/{post.slug}/card-")
    assert client.get(urlsplit(image_url).path).status_code == 200
