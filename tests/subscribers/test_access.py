"""Only the publication's owners and admins may use the subscriber pages of the desk."""

import pytest
from django.conf import settings
from django.urls import reverse

from masthead.subscriptions.import_models import ImportJob, ImportState
from tests.factories import make_publication
from tests.subscribers.conftest import add_staff

pytestmark = pytest.mark.django_db

# (URL name, HTTP method, whether the URL names an import)
VIEWS = [
    ("desk:subscriber_list", "get", False),
    ("desk:subscriber_export", "get", False),
    ("desk:subscriber_import", "get", False),
    ("desk:subscriber_import", "post", False),
    ("desk:subscriber_import_preview", "get", True),
    ("desk:subscriber_import_confirm", "post", True),
    ("desk:subscriber_import_cancel", "post", True),
    ("desk:subscriber_import_job", "get", True),
    ("desk:subscriber_import_resume", "post", True),
    ("desk:subscriber_import_report", "get", True),
]
VIEW_IDS = [f"{method}-{name.split(':')[1]}" for name, method, _ in VIEWS]


@pytest.fixture
def job(publication):
    return ImportJob.objects.create(publication=publication, file_name="list.csv", total_rows=1)


def url_of(name, publication, job, needs_job):
    args = [publication.slug, job.id] if needs_job else [publication.slug]
    return reverse(name, args=args)


@pytest.mark.parametrize(("name", "method", "needs_job"), VIEWS, ids=VIEW_IDS)
def test_anonymous_visitors_are_sent_to_sign_in(client, publication, job, name, method, needs_job):
    response = getattr(client, method)(url_of(name, publication, job, needs_job))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize(("name", "method", "needs_job"), VIEWS, ids=VIEW_IDS)
def test_a_reader_gets_not_found(client, publication, reader, job, name, method, needs_job):
    client.force_login(reader)

    response = getattr(client, method)(url_of(name, publication, job, needs_job))

    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method", "needs_job"), VIEWS, ids=VIEW_IDS)
def test_an_author_is_refused(client, publication, author, job, name, method, needs_job):
    client.force_login(author)

    response = getattr(client, method)(url_of(name, publication, job, needs_job))

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == ImportState.PREVIEW


@pytest.mark.parametrize("name", ["desk:subscriber_list", "desk:subscriber_import"])
def test_an_admin_may_use_the_pages(client, publication, admin, name):
    client.force_login(admin)

    response = client.get(reverse(name, args=[publication.slug]))

    assert response.status_code == 200


def test_the_owner_of_another_publication_cannot_see_this_ones_import(client, publication, job):
    other = make_publication()
    client.force_login(add_staff(other, "owner"))

    response = client.get(reverse("desk:subscriber_import_job", args=[other.slug, job.id]))

    assert response.status_code == 404


def test_the_list_is_reached_from_the_desk_navigation(owner_client, publication):
    response = owner_client.get(reverse("desk:dashboard", args=[publication.slug]))

    assert reverse("desk:subscriber_list", args=[publication.slug]) in response.text
