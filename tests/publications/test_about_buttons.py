"""The About page's subscribe and share buttons lead to its publication, as a post's do."""

import pytest

from masthead.publications.services import create_publication, update_publication_settings

pytestmark = pytest.mark.django_db

ABOUT = (
    'Why this exists.\n\n::button[Join us]{kind="subscribe"}\n\n'
    '::button[Tell a friend]{kind="share"}\n'
)


def test_a_new_publications_about_buttons_lead_to_it():
    publication = create_publication(
        name="Field Notes", slug="field-notes", owner_email="olive@example.com", about=ABOUT
    )

    html = publication.about_html
    assert "#masthead-" not in html
    assert '/subscribe/"' in html
    assert "mailto:?subject=Field%20Notes" in html


def test_changed_about_buttons_lead_to_the_publication():
    publication = create_publication(
        name="Field Notes", slug="field-notes", owner_email="olive@example.com"
    )

    update_publication_settings(
        publication, name="Field Notes", tagline="", about=ABOUT, comment_policy="signed_in"
    )

    publication.refresh_from_db()
    assert "#masthead-" not in publication.about_html
    assert '/subscribe/"' in publication.about_html
