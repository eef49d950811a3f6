"""An emailed sign-in link goes to the publication's configured address, whatever Host the
request that asked for it named."""

import pytest

from masthead.accounts.models import SignInLink
from tests.factories import make_publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "weekly.example.com", "other-allowed.example"]
    settings.BASE_URL = "https://install.example.org"


def ask(client, host, path="/sign-in/"):
    return client.post(path, {"email": "rita@example.com"}, HTTP_HOST=host)


def emailed_link(sink) -> str:
    return next(url for url in sink.last_to("rita@example.com").links() if "/sign-in/" in url)


def test_a_link_asked_for_under_another_host_name_goes_to_the_install(
    client, publication, hosts, smtp_sink, run_worker
):
    response = ask(client, "other-allowed.example")
    run_worker()

    assert response.status_code == 200
    assert SignInLink.objects.get().publication == publication
    assert emailed_link(smtp_sink).startswith("https://install.example.org/sign-in/")


def test_a_link_asked_for_on_a_publications_own_host_goes_to_that_host(
    client, publication, hosts, settings, smtp_sink, run_worker
):
    settings.IS_HTTPS = True
    weekly = make_publication(name="Hosted Weekly", host="weekly.example.com")

    ask(client, "weekly.example.com")
    run_worker()

    assert SignInLink.objects.get().publication == weekly
    assert emailed_link(smtp_sink).startswith("https://weekly.example.com/sign-in/")
    assert "Hosted Weekly" in smtp_sink.last_to("rita@example.com").text


def test_a_link_asked_for_under_a_publications_path_comes_back_under_it(
    client, publication, hosts, smtp_sink, run_worker
):
    make_publication(name="Second Thoughts", slug="second")

    ask(client, "other-allowed.example", path="/pub/second/sign-in/")
    run_worker()

    assert emailed_link(smtp_sink).startswith("https://install.example.org/pub/second/sign-in/")


def test_on_an_install_without_publications_the_link_goes_to_the_install(
    client, db, hosts, smtp_sink, run_worker
):
    ask(client, "other-allowed.example")
    run_worker()

    link = SignInLink.objects.get()
    assert link.publication is None
    url = emailed_link(smtp_sink)
    assert url.startswith("https://install.example.org/sign-in/")
    assert client.get(url.removeprefix("https://install.example.org")).status_code == 200


def test_a_link_outlives_its_publication(client, hosts, smtp_sink, run_worker):
    gone = make_publication(name="Short Lived")
    ask(client, "other-allowed.example")
    gone.delete()
    run_worker()

    assert SignInLink.objects.get().publication is None
    assert emailed_link(smtp_sink).startswith("https://install.example.org/sign-in/")
