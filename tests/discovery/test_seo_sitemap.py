"""/sitemap.xml: an index of a publication's sections, each listing its published addresses,
valid against the sitemaps.org schema and paged past the limit."""

import datetime as dt

import pytest
from django.utils import timezone

from masthead.discovery import sitemaps
from masthead.notes.models import Note
from masthead.posts.models import Audience, PostKind, PostStatus
from masthead.publications.models import Membership, Role
from tests.discovery.sitemap_schema import locs, validate
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


def section_locs(client, section: str, page: int | None = None) -> list[str]:
    url = f"/sitemap-{section}.xml" + (f"?p={page}" if page else "")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return locs(validate(response.content, is_index=False))


def test_the_index_names_each_section_and_validates(client, publication, published_post):
    Note.objects.create(author=make_person(), publication=publication, body_markdown="Hi")

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = validate(response.content, is_index=True)
    assert locs(root) == [
        f"{ORIGIN}/sitemap-pages.xml",
        f"{ORIGIN}/sitemap-posts.xml",
        f"{ORIGIN}/sitemap-notes.xml",
    ]


def test_posts_of_every_kind_and_audience_are_listed_but_not_drafts(client, publication):
    free = make_post(publication, "Free one")
    paid = make_post(publication, "Paid one", audience=Audience.PAID)
    page = make_post(publication, "About us", kind=PostKind.PAGE)
    draft = make_post(publication, "Not yet", status=PostStatus.DRAFT)
    elsewhere = make_post(make_publication(), "Someone else's")

    listed = section_locs(client, "posts")

    for post in (free, paid, page):
        assert f"{ORIGIN}/p/{post.slug}/" in listed
    assert f"{ORIGIN}/p/{draft.slug}/" not in listed
    assert all(elsewhere.slug not in loc for loc in listed)


def test_a_posts_lastmod_is_its_last_change(client, publication):
    post = make_post(publication, "Edited", published_at=timezone.now() - dt.timedelta(days=3))
    post.updated_at = timezone.now() - dt.timedelta(days=1)
    post.save(update_fields=["updated_at"])

    xml = client.get("/sitemap-posts.xml").content.decode()

    assert f"<lastmod>{timezone.localdate(post.updated_at).isoformat()}</lastmod>" in xml


def test_the_fixed_pages_are_listed(client, publication):
    assert section_locs(client, "pages") == [
        f"{ORIGIN}/",
        f"{ORIGIN}/archive/",
        f"{ORIGIN}/about/",
        f"{ORIGIN}/notes/",
    ]


def test_notes_of_the_publication_and_its_writers_are_listed(client, publication):
    writer = make_person()
    Membership.objects.create(publication=publication, person=writer, role=Role.AUTHOR)
    as_publication = Note.objects.create(author=writer, publication=publication, body_markdown="a")
    by_writer = Note.objects.create(author=writer, body_markdown="b")
    reply = Note.objects.create(author=writer, body_markdown="c", parent=by_writer)
    deleted = Note.objects.create(author=writer, body_markdown="d", is_deleted=True)
    by_stranger = Note.objects.create(author=make_person(), body_markdown="e")

    listed = section_locs(client, "notes")

    assert f"{ORIGIN}/notes/{as_publication.id}/" in listed
    assert f"{ORIGIN}/notes/{by_writer.id}/" in listed
    for note in (reply, deleted, by_stranger):
        assert f"{ORIGIN}/notes/{note.id}/" not in listed


def test_past_the_limit_a_section_is_paged_and_the_index_names_every_page(
    client, publication, monkeypatch
):
    monkeypatch.setattr(sitemaps, "URLS_PER_SITEMAP", 2)
    posts = [make_post(publication) for _ in range(5)]

    index = locs(validate(client.get("/sitemap.xml").content, is_index=True))
    pages = [section_locs(client, "posts", page) for page in (1, 2, 3)]

    assert f"{ORIGIN}/sitemap-posts.xml?p=2" in index
    assert f"{ORIGIN}/sitemap-posts.xml?p=3" in index
    assert f"{ORIGIN}/sitemap-posts.xml?p=4" not in index
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(loc for page in pages for loc in page) == sorted(
        f"{ORIGIN}/p/{post.slug}/" for post in posts
    )


@pytest.mark.parametrize(
    "path",
    [
        "/sitemap-posts.xml?p=9",
        "/sitemap-posts.xml?p=abc",
        "/sitemap-posts.xml?p=0",
        "/sitemap-posts.xml?p=" + "9" * 5000,
        "/sitemap-nothing.xml",
    ],
)
def test_a_missing_section_or_page_is_a_404(client, publication, path):
    assert client.get(path).status_code == 404


def test_a_publication_under_a_path_prefix_lists_its_own_addresses(client, publication):
    here = make_post(publication, "Over here")
    other = make_publication(slug="other")
    there = make_post(other, "Over there")

    at_root = section_locs(client, "posts")
    response = client.get("/pub/other/sitemap-posts.xml")
    under_prefix = locs(validate(response.content, is_index=False))

    assert at_root == [f"{ORIGIN}/p/{here.slug}/"]
    assert under_prefix == [f"{ORIGIN}/pub/other/p/{there.slug}/"]


def test_a_section_with_nothing_to_list_is_left_out(client, publication):
    index = locs(validate(client.get("/sitemap.xml").content, is_index=True))

    assert index == [f"{ORIGIN}/sitemap-pages.xml"]
    assert client.get("/sitemap-posts.xml").status_code == 404
    assert client.get("/sitemap-notes.xml").status_code == 404


def test_a_publication_hidden_from_search_engines_has_no_sitemap(client, publication):
    publication.is_hidden_from_search_engines = True
    publication.save()

    assert client.get("/sitemap.xml").status_code == 404
    assert client.get("/sitemap-posts.xml").status_code == 404


def test_the_sitemap_costs_a_fixed_number_of_queries(
    client, publication, django_assert_max_num_queries
):
    for _ in range(30):
        make_post(publication)

    with django_assert_max_num_queries(8):
        assert client.get("/sitemap-posts.xml").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/sitemap.xml").status_code == 200
