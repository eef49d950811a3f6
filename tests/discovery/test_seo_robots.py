"""/robots.txt: crawlers kept out of private and acting addresses, pointed at the sitemap, and
turned away entirely from a publication hidden from search engines."""

import pytest

from tests.factories import make_publication

pytestmark = pytest.mark.django_db


def robots(client, path="/robots.txt") -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.text.splitlines()


def test_robots_allows_the_site_but_not_private_paths_and_names_the_sitemap(client, publication):
    lines = robots(client)

    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for path in ("/desk/", "/account/", "/admin/", "/api/", "/t/", "/unsubscribe/"):
        assert f"Disallow: {path}" in lines
        assert f"Disallow: /pub/*{path}" in lines
    assert "Disallow: /" not in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_robots_of_a_hidden_publication_disallows_everything(client, publication):
    publication.is_hidden_from_search_engines = True
    publication.save()

    lines = robots(client)

    assert [line for line in lines if line] == ["User-agent: *", "Disallow: /"]


def test_robots_at_the_root_keeps_crawlers_out_of_other_hidden_publications(client, publication):
    hidden = make_publication(slug="secret-garden")
    hidden.is_hidden_from_search_engines = True
    hidden.save()

    lines = robots(client)

    assert "Allow: /" in lines
    assert "Disallow: /pub/secret-garden/" in lines


def test_robots_on_an_empty_install_names_no_sitemap(client, db):
    lines = robots(client)

    assert "Allow: /" in lines
    assert not any(line.startswith("Sitemap:") for line in lines)


def test_robots_refuses_to_be_posted_to(client, publication):
    assert client.post("/robots.txt").status_code == 405
