"""A post card links to the post's own publication, however each publication is routed."""

import re
from urllib.parse import urlsplit

import pytest

from masthead.publications.links import publication_root, publication_roots
from tests.factories import make_post, make_publication
from tests.notes.conftest import make_writer, note_by

pytestmark = pytest.mark.django_db

CARD_LINK = re.compile(r'<a class="post-card" href="([^"]+)"')


def card_links(text: str) -> list[str]:
    return CARD_LINK.findall(text)


def follow(client, url: str, page_host: str = "testserver"):
    """GET a link as a browser on `page_host` would: a path stays on that host."""
    parts = urlsplit(url)
    return client.get(parts.path, HTTP_HOST=parts.netloc or page_host)


@pytest.fixture
def hosts_allowed(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "ours.example.com", "theirs.example.com"]


def restack_theirs_on_ours(ours, theirs):
    """A writer of `ours` restacks a post of `theirs`; the note shows on ours' Notes page."""
    post = make_post(theirs, "Their big story")
    note_by(make_writer(ours), "Worth it", restack_of_post=post)
    return post


def test_a_card_for_the_primary_publications_post_leads_to_it_from_a_prefixed_one(
    client, settings, hosts_allowed
):
    theirs = make_publication(name="Theirs", slug="theirs")
    ours = make_publication(name="Ours", slug="ours")
    settings.PRIMARY_PUBLICATION = "theirs"
    post = restack_theirs_on_ours(ours, theirs)

    page = client.get("/pub/ours/notes/")

    assert page.status_code == 200
    [link] = card_links(page.text)
    assert link == f"{settings.BASE_URL}/p/{post.slug}/"
    landed = follow(client, link)
    assert landed.status_code == 200 and "Their big story" in landed.text


def test_a_card_for_a_prefixed_publications_post_leads_to_it_from_the_primary_one(
    client, settings, hosts_allowed
):
    ours = make_publication(name="Ours", slug="ours")
    theirs = make_publication(name="Theirs", slug="theirs")
    post = restack_theirs_on_ours(ours, theirs)

    page = client.get("/notes/")

    [link] = card_links(page.text)
    assert link == f"{settings.BASE_URL}/pub/theirs/p/{post.slug}/"
    landed = follow(client, link)
    assert landed.status_code == 200 and "Their big story" in landed.text


def test_a_card_for_a_hosted_publications_post_leads_to_its_host(client, hosts_allowed):
    ours = make_publication(name="Ours", slug="ours", host="ours.example.com")
    theirs = make_publication(name="Theirs", slug="theirs", host="theirs.example.com")
    post = restack_theirs_on_ours(ours, theirs)

    page = client.get("/notes/", HTTP_HOST="ours.example.com")

    [link] = card_links(page.text)
    assert link == f"http://theirs.example.com/p/{post.slug}/"
    landed = follow(client, link)
    assert landed.status_code == 200 and "Their big story" in landed.text


def test_a_card_for_the_pages_own_publication_is_a_path_under_its_mount(client, hosts_allowed):
    make_publication(name="Primary", slug="primary")
    ours = make_publication(name="Ours", slug="ours")
    post = make_post(ours, "Our own story")
    note_by(make_writer(ours), "Ours", linked_post=post)

    page = client.get("/pub/ours/notes/")

    [link] = card_links(page.text)
    assert link == f"/pub/ours/p/{post.slug}/"
    landed = follow(client, link)
    assert landed.status_code == 200 and "Our own story" in landed.text


def test_cards_on_a_persons_notes_and_a_note_page_lead_to_the_post(client, hosts_allowed):
    ours = make_publication(name="Ours", slug="ours")
    theirs = make_publication(name="Theirs", slug="theirs", host="theirs.example.com")
    post = make_post(theirs, "Their big story")
    writer = make_writer(ours)
    note = note_by(writer, "Quote", restack_of_post=post)

    for address in (f"/people/{writer.pk}/notes/", f"/notes/{note.id}/"):
        page = client.get(address)
        [link] = card_links(page.text)
        assert follow(client, link).status_code == 200, address


def test_the_restack_page_card_leads_to_the_post(reader_client, hosts_allowed):
    make_publication(name="Primary", slug="primary")
    ours = make_publication(name="Ours", slug="ours")
    post = make_post(ours, "Our own story")

    page = reader_client.get(f"/pub/ours/notes/restack/p/{post.slug}/")

    [link] = card_links(page.text)
    assert link == f"/pub/ours/p/{post.slug}/"


@pytest.mark.parametrize("primary_setting", ["", "second"])
def test_publication_roots_agree_with_publication_root(settings, primary_setting):
    settings.PRIMARY_PUBLICATION = primary_setting
    publications = [
        make_publication(slug="first"),
        make_publication(slug="second"),
        make_publication(slug="hosted", host="hosted.example.com"),
    ]

    roots = publication_roots([publication.id for publication in publications])

    assert roots == {publication.id: publication_root(publication) for publication in publications}
