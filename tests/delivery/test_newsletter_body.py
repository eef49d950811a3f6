"""What the newsletter body holds: links and images that work outside the site."""

import pytest

from masthead.delivery.messages import render_newsletter
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_uploaded_images_and_site_links_become_absolute(publication, settings):
    settings.BASE_URL = "https://news.example.com"
    post = make_post(
        publication,
        body="![A chart](/media/posts/1/chart.png)\n\n[The archive](/archive/) and "
        "[elsewhere](https://example.org/page)",
    )

    html = render_newsletter(post, is_preview=False).html

    assert 'src="https://news.example.com/media/posts/1/chart.png"' in html
    assert 'href="https://news.example.com/archive/"' in html
    assert 'href="https://example.org/page"' in html
    assert 'src="/media' not in html
