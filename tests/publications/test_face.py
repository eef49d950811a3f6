"""A publication's face on its pages: logo, accent colour, covers, writers' pictures and bios,
and the Dashboard link its team sees."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from masthead.notes.services import post_note
from masthead.posts.models import PostAuthor
from masthead.publications.models import Membership, Role
from masthead.publications.theme import DARK_BG, LIGHT_BG, contrast
from tests.factories import make_person, make_post, make_publication


def png(width: int, height: int) -> ContentFile:
    output = io.BytesIO()
    Image.new("RGB", (width, height), "#336699").save(output, "PNG")
    return ContentFile(output.getvalue())


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def theme_href(html: str) -> str | None:
    match = re.search(r'<link rel="stylesheet" href="([^"]*theme-[^"]*)"', html)
    return match[1] if match else None


def test_the_header_shows_the_logo_beside_the_name(client, publication):
    publication.logo.save("logo.png", png(120, 60))

    html = client.get(reverse("posts:home")).text

    header = html.split('class="site-title"', 1)[1].split("</a>", 1)[0]
    assert publication.logo.url in header and 'width="120" height="60"' in header
    assert "The Daily Build" in header


def test_an_accent_colour_is_served_as_the_sites_stylesheet(client, publication):
    publication.accent_color = "#2255aa"
    publication.save(update_fields=["accent_color"])

    href = theme_href(client.get(reverse("posts:home")).text)
    response = client.get(href)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert "--accent: #2255aa" in response.text
    assert "immutable" in response["Cache-Control"]


def test_a_pale_accent_is_darkened_by_day_and_a_dark_one_lightened_by_night(client, publication):
    publication.accent_color = "#ffee00"
    publication.save(update_fields=["accent_color"])

    css = client.get(theme_href(client.get(reverse("posts:home")).text)).text

    light, dark = re.findall(r"--accent: (#[0-9a-f]{6})", css)
    assert contrast(light, LIGHT_BG) >= 4.5 and contrast(dark, DARK_BG) >= 4.5


def test_a_malformed_accent_never_reaches_the_css(client, publication):
    publication.accent_color = "red;}*"
    publication.save(update_fields=["accent_color"])

    html = client.get(reverse("posts:home")).text

    # The default colour is site.css's own: no theme stylesheet, and nothing of the value.
    assert theme_href(html) is None and "red;}" not in html


def test_an_old_theme_address_is_sent_to_the_current_one(client, publication):
    publication.accent_color = "#2255aa"
    publication.save(update_fields=["accent_color"])

    response = client.get(reverse("publications:theme", args=["b4431b"]))

    assert response.status_code == 302 and response["Location"].endswith("theme-2255aa.css")


def test_the_team_sees_a_dashboard_link_to_its_desk(client, publication):
    writer = make_person("Wendy Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.AUTHOR)
    client.force_login(writer)

    html = client.get(reverse("posts:home")).text

    assert f'href="/desk/{publication.slug}/">Dashboard</a>' in html


def test_readers_and_other_teams_see_no_dashboard_link(client, publication, reader):
    other = make_publication()
    Membership.objects.create(publication=other, person=reader, role=Role.OWNER)

    assert "Dashboard" not in client.get(reverse("posts:home")).text
    client.force_login(reader)
    assert "Dashboard" not in client.get(reverse("posts:home")).text


def test_covers_show_on_home_and_archive_with_their_size(client, publication):
    covered = make_post(publication, "Covered")
    covered.cover_image.save("cover.png", png(900, 600))
    make_post(publication, "Newest", published_at=covered.published_at.replace(year=2100))

    home = client.get(reverse("posts:home")).text
    archive = client.get(reverse("posts:archive")).text

    for html in (home, archive):
        tag = re.search(rf'<img src="{re.escape(covered.cover_image.url)}"[^>]*>', html)[0]
        assert 'width="900" height="600"' in tag and 'loading="lazy"' in tag


def test_the_featured_post_shows_its_cover_without_lazy_loading(client, publication):
    post = make_post(publication, "Featured")
    post.cover_image.save("cover.png", png(900, 600))

    html = client.get(reverse("posts:home")).text

    tag = re.search(rf'<img src="{re.escape(post.cover_image.url)}"[^>]*>', html)[0]
    assert 'loading="lazy"' not in tag


def test_the_post_shows_its_cover_above_the_title(client, publication):
    post = make_post(publication, "Covered")
    post.cover_image.save("cover.png", png(900, 600))

    html = client.get(reverse("posts:detail", args=[post.slug])).text

    cover_at = html.index(f'<img src="{post.cover_image.url}" alt="" width="900" height="600"')
    assert cover_at < html.index('<h1 class="post__title">')


def test_the_byline_shows_authors_pictures_and_their_bios_follow_the_post(client, publication):
    author = make_person("Ann Author")
    author.avatar.save("ann.png", png(80, 80))
    author.bio = "Writes about bridges."
    author.save(update_fields=["bio"])
    post = make_post(publication, "Bridges", author=author)

    html = client.get(reverse("posts:detail", args=[post.slug])).text

    header = html.split('<header class="post__header">', 1)[1].split("</header>", 1)[0]
    assert author.avatar.url in header
    assert html.index("Writes about bridges.") > html.index('class="post__body')


def test_no_written_by_section_when_no_author_has_a_bio(client, published_post):
    html = client.get(reverse("posts:detail", args=[published_post.slug])).text

    assert "Written by" not in html


def test_about_lists_the_writers_with_pictures_and_bios(client, publication):
    writer = make_person("Wendy Writer")
    writer.avatar.save("wendy.png", png(80, 80))
    writer.bio = "Editor since 2019."
    writer.save(update_fields=["bio"])
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)

    html = client.get(reverse("publications:about")).text

    section = html.split('id="people-title"', 1)[1]
    assert "Writers" in section and "Wendy Writer" in section
    assert writer.avatar.url in section and "Editor since 2019." in section


def test_notes_show_their_authors_picture(client, publication):
    writer = make_person("Nina Noter")
    writer.avatar.save("nina.png", png(80, 80))
    note = post_note(writer, "A short thought.")

    html = client.get(reverse("notes:detail", args=[note.id])).text

    assert f'src="{writer.avatar.url}"' in html


def test_several_authors_each_get_a_picture(client, publication):
    post = make_post(publication, "Together", author=make_person("First"))
    PostAuthor.objects.create(post=post, person=make_person("Second"), position=1)

    html = client.get(reverse("posts:detail", args=[post.slug])).text

    header = html.split('<span class="avatars"', 1)[1].split("</span></span>", 1)[0]
    assert header.count("avatar--initial") == 2
