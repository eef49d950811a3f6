"""`masthead export --publication SLUG OUT.zip`."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_the_command_writes_the_archive(publication, tmp_path):
    factories.make_post(publication, "From the terminal")
    out = io.StringIO()
    call_command("export", str(tmp_path / "out.zip"), publication=publication.slug, stdout=out)
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["publication"] == {"slug": "daily-build", "name": "The Daily Build"}
    assert manifest["tables"]["posts.post"] == 1
    assert "Wrote" in out.getvalue() and "1 posts" in out.getvalue()
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".part")] == []


@pytest.mark.django_db
def test_an_unknown_publication_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No publication"):
        call_command("export", str(tmp_path / "out.zip"), publication="nope")
    assert not (tmp_path / "out.zip").exists()


@pytest.mark.django_db
def test_a_missing_folder_is_refused(publication, tmp_path):
    with pytest.raises(CommandError, match="No folder"):
        call_command("export", str(tmp_path / "no" / "out.zip"), publication=publication.slug)
