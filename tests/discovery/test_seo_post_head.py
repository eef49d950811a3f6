"""A post's head for search engines and link previews: JSON-LD, a canonical address without
query strings, og: and Twitter tags; and noindex on every page of a hidden publication."""

import json
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from masthead.posts.models import Audience, PostKind
from masthead.publications.models import Section
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


def meta(html: str, name: str) -> list[str]:
    return re.findall(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)


def link_href(html: str, rel: str) -> str:
    return re.search(rf'<link rel="{rel}" href="([^"]*)"', html)[1]


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_a_post_describes_itself_as_a_news_article(client, publication):
    author = make_person(name="Wendy Writer")
    post = make_post(publication, "Big news", author=author, subtitle="What happened")

    html = client.get(f"/p/{post.slug}/").text

    [article] = json_ld(html)
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "Big news"
    assert article["description"] == "What happened"
    assert article["author"] == [
        {"@type": "Person", "name": "Wendy Writer", "url": f"{ORIGIN}/people/{author.pk}/notes/"}
    ]
    assert article["publisher"]["@type"] == "Organization"
    assert article["publisher"]["name"] == publication.name
    assert article["mainEntityOfPage"]["@id"] == f"{ORIGIN}/p/{post.slug}/"
    assert article["datePublished"] == post.published_at.isoformat()
    assert article["dateModified"] >= article["datePublished"]
    assert article["image"][0].startswith(f"{ORIGIN}/")
    assert "isAccessibleForFree" not in article


def test_a_title_with_a_closing_script_tag_cannot_break_out(client, publication):
    post = make_post(publication, "Tricky </script><script>alert(1)</script> & co")

    html = client.get(f"/p/{post.slug}/").text

    assert "<script>alert(1)" not in html
    [article] = json_ld(html)
    assert article["headline"] == "Tricky </script><script>alert(1)</script> & co"


def test_a_paid_post_is_marked_as_paywalled_content(client, publication):
    post = make_post(publication, "For paying readers", audience=Audience.PAID)

    [article] = json_ld(client.get(f"/p/{post.slug}/").text)

    assert article["isAccessibleForFree"] is False
    assert article["hasPart"] == {
        "@type": "WebPageElement",
        "isAccessibleForFree": False,
        "cssSelector": ".post__body",
    }


def test_a_post_has_og_and_twitter_tags_and_a_canonical_address(client, publication):
    section = Section.objects.create(publication=publication, name="Essays", slug="essays")
    author = make_person()
    post = make_post(
        publication,
        "Tagged",
        author=author,
        subtitle="A subtitle",
        section=section,
        tags=["python", "django"],
    )

    html = client.get(f"/p/{post.slug}/?utm_source=x&comments=new").text

    canonical = f"{ORIGIN}/p/{post.slug}/"
    assert link_href(html, "canonical") == canonical
    assert meta(html, "og:url") == [canonical]
    assert meta(html, "og:type") == ["article"]
    assert meta(html, "article:author") == [f"{ORIGIN}/people/{author.pk}/notes/"]
    assert meta(html, "article:section") == ["Essays"]
    assert meta(html, "article:tag") == ["python", "django"]
    assert meta(html, "twitter:title") == ["Tagged"]
    assert meta(html, "twitter:description") == ["A subtitle"]
    assert meta(html, "twitter:card") == ["summary_large_image"]


def test_a_page_has_no_article_markup(client, publication):
    page = make_post(publication, "About us", kind=PostKind.PAGE)

    html = client.get(f"/p/{page.slug}/").text

    assert json_ld(html) == []
    assert meta(html, "article:author") == []
    assert meta(html, "twitter:title") == ["About us"]


def test_the_home_snippet_describes_the_publication_as_a_website(publication):
    request = RequestFactory().get("/")

    html = render_to_string(
        "discovery/_seo_home.html", {"publication": publication, "request": request}
    )

    [website] = json_ld(html)
    assert website["@type"] == "WebSite"
    assert website["url"] == f"{ORIGIN}/"
    assert website["publisher"] == {
        "@type": "Organization",
        "name": publication.name,
        "url": f"{ORIGIN}/",
    }


@pytest.mark.parametrize("is_hidden", [True, False])
def test_pages_of_a_hidden_publication_say_noindex(publication, is_hidden):
    publication.is_hidden_from_search_engines = is_hidden

    html = render_to_string("discovery/_seo_head.html", {"publication": publication})

    assert ('<meta name="robots" content="noindex">' in html) is is_hidden


def test_the_head_snippet_is_empty_without_a_publication():
    assert render_to_string("discovery/_seo_head.html", {"publication": None}).strip() == ""
