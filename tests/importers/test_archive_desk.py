"""The desk's Export page: owners export and download; everyone else is turned away."""

import zipfile

import pytest
from django.urls import include, path

import masthead.urls
from masthead.desk import urls as desk_urls
from masthead.importers.models import ExportRun, RunState
from masthead.publications.models import Membership, Role
from tests import factories

# The desk's URLs with the Export page included where the lead wires it (desk/urls.py).
urlpatterns = [
    path(
        "desk/",
        include(
            (
                [
                    *desk_urls.urlpatterns[:3],
                    path(
                        "<slug:publication_slug>/export/",
                        include("masthead.importers.export_urls"),
                    ),
                    *desk_urls.urlpatterns[3:],
                ],
                "desk",
            )
        ),
    ),
    *[pattern for pattern in masthead.urls.urlpatterns if "desk" not in str(pattern.pattern)],
]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_FILES_DIR = tmp_path / "private"


def member(publication, role):
    person = factories.make_person()
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


@pytest.fixture
def owner_client(client, publication):
    client.force_login(member(publication, Role.OWNER))
    return client


@pytest.mark.django_db
def test_an_owner_sees_the_export_button(owner_client, publication):
    response = owner_client.get(f"/desk/{publication.slug}/export/")
    assert response.status_code == 200
    assert b"Export the publication" in response.content
    assert b"csrfmiddlewaretoken" in response.content


@pytest.mark.django_db
def test_the_button_queues_an_export_and_shows_its_progress(owner_client, publication):
    response = owner_client.post(f"/desk/{publication.slug}/export/")
    run = ExportRun.objects.get(publication=publication)
    assert response.status_code == 302
    assert response["Location"] == f"/desk/{publication.slug}/export/{run.id}/"
    assert run.state == RunState.QUEUED
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__args=[run.id]).exists()
    progress = owner_client.get(response["Location"])
    assert b'http-equiv="refresh"' in progress.content
    assert b"<progress" in progress.content


@pytest.mark.django_db
def test_the_worker_writes_the_archive_and_the_owner_downloads_it(
    owner_client, publication, run_worker
):
    factories.make_post(publication, "Exported post")
    owner_client.post(f"/desk/{publication.slug}/export/")
    run_worker()

    run = ExportRun.objects.get(publication=publication)
    assert run.state == RunState.DONE
    assert run.file_size > 0 and run.done_count == run.total_count > 0
    page = owner_client.get(f"/desk/{publication.slug}/export/{run.id}/")
    assert b'http-equiv="refresh"' not in page.content
    assert b"Download the archive" in page.content
    response = owner_client.get(f"/desk/{publication.slug}/export/{run.id}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    import io

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert "manifest.json" in archive.namelist()
        assert b"Exported post" in archive.read("data/posts.post.jsonl")


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [(Role.ADMIN, 403), (Role.AUTHOR, 403), (None, 404)])
def test_only_owners_may_export_or_download(client, publication, role, status, tmp_path):
    owner = member(publication, Role.OWNER)
    run = ExportRun.objects.create(
        publication=publication, created_by=owner, state=RunState.DONE, stored_path="x.zip"
    )
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "x.zip").write_bytes(b"PK")
    client.force_login(member(publication, role) if role else factories.make_person())
    base = f"/desk/{publication.slug}/export/"
    assert client.get(base).status_code == status
    assert client.post(base).status_code == status
    assert client.get(f"{base}{run.id}/").status_code == status
    assert client.get(f"{base}{run.id}/download/").status_code == status
    assert ExportRun.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, publication):
    response = client.post(f"/desk/{publication.slug}/export/")
    assert response.status_code == 302
    assert "next=" in response["Location"]
    assert not ExportRun.objects.exists()


@pytest.mark.django_db
def test_an_owner_of_another_publication_cannot_see_this_ones_exports(client, publication):
    other = factories.make_publication()
    run = ExportRun.objects.create(publication=other, state=RunState.DONE, stored_path="x.zip")
    client.force_login(member(publication, Role.OWNER))
    response = client.get(f"/desk/{publication.slug}/export/{run.id}/download/")
    assert response.status_code == 404


def test_asking_twice_while_an_archive_is_written_gives_the_same_run(publication):
    from masthead.importers.archive.runs import start_export
    from masthead.importers.models import ExportRun

    first = start_export(publication, None)
    second = start_export(publication, None)

    assert first.id == second.id
    assert ExportRun.objects.filter(publication=publication).count() == 1
