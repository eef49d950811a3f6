"""Running a confirmed import in the worker: who is subscribed, what is left alone, the report."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from masthead.accounts.models import Person
from masthead.subscriptions.import_models import ImportJob, ImportState, ProblemKind
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def import_file(upload, owner_client, publication):
    """Upload a file and confirm it; returns the job, queued for the worker."""

    def run(content: str) -> ImportJob:
        assert upload(content).status_code == 302
        job = ImportJob.objects.get(state=ImportState.PREVIEW)
        response = owner_client.post(
            reverse("desk:subscriber_import_confirm", args=[publication.slug, job.id])
        )
        assert response.status_code == 302
        job.refresh_from_db()
        return job

    return run


def job_page(owner_client, publication, job):
    response = owner_client.get(
        reverse("desk:subscriber_import_job", args=[publication.slug, job.id])
    )
    assert response.status_code == 200
    return response


def subscription_of(publication, email) -> Subscription:
    return Subscription.objects.select_related("person").get(
        publication=publication, person__email=email
    )


def test_the_worker_imports_a_confirmed_file_with_the_right_counts(
    import_file, publication, run_worker
):
    job = import_file(
        "email,name\nada@example.com,Ada\nbad,Bad\ngrace@example.com,Grace\nada@example.com,A\n"
    )

    run_worker()

    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert (job.processed_rows, job.created_count, job.skipped_count) == (4, 2, 2)
    assert set(publication.subscriptions.values_list("person__email", flat=True)) == {
        "ada@example.com",
        "grace@example.com",
    }


def test_imported_readers_are_active_confirmed_and_marked_as_imported(
    import_file, publication, run_worker
):
    import_file("email,name\nAda@Example.COM,  Ada   Lovelace \n")

    run_worker()

    subscription = subscription_of(publication, "ada@example.com")
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.source == SubscriptionSource.IMPORT
    assert subscription.confirmed_at is not None
    assert subscription.person.display_name == "Ada Lovelace"
    assert not subscription.person.has_usable_password()


def test_importing_sends_no_confirmation_email(import_file, run_worker):
    import_file("email\nada@example.com\n")

    run_worker()

    assert not DBTaskResult.objects.exclude(task_path__endswith="run_subscriber_import").exists()


def test_confirming_queues_the_import_once(import_file, owner_client, publication):
    job = import_file("email\nada@example.com\n")

    again = owner_client.post(
        reverse("desk:subscriber_import_confirm", args=[publication.slug, job.id]), follow=True
    )

    assert "already confirmed" in again.text
    assert DBTaskResult.objects.count() == 1


def test_an_unsubscribed_reader_stays_unsubscribed(import_file, publication, subscribe, run_worker):
    subscribe(publication, "gone@example.com", status=SubscriptionStatus.UNSUBSCRIBED)

    job = import_file("email\ngone@example.com\n")
    run_worker()

    subscription = subscription_of(publication, "gone@example.com")
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert subscription.source == SubscriptionSource.WEBSITE
    assert job.problems.get().kind == ProblemKind.EXISTING


def test_a_pending_subscription_is_left_waiting_for_confirmation(
    import_file, publication, subscribe, run_worker
):
    subscribe(publication, "waiting@example.com", status=SubscriptionStatus.PENDING)

    import_file("email\nwaiting@example.com\n")
    run_worker()

    assert subscription_of(publication, "waiting@example.com").status == SubscriptionStatus.PENDING


def test_someone_with_an_account_is_subscribed_and_keeps_their_name(
    import_file, publication, run_worker
):
    person = make_person(name="Grace Hopper", email="grace@example.com")

    import_file("email,name\nGRACE@example.com,Somebody Else\n")
    run_worker()

    person.refresh_from_db()
    assert person.display_name == "Grace Hopper"
    assert subscription_of(publication, "grace@example.com").person == person
    assert Person.objects.filter(email__iexact="grace@example.com").count() == 1


def test_html_in_a_name_is_stored_as_text_and_shown_escaped(
    import_file, owner_client, publication, run_worker
):
    import_file('email,name\nx@example.com,"<script>alert(1)</script><b>Bold</b>"\n')
    run_worker()

    person = Person.objects.get(email="x@example.com")
    assert person.display_name == "<script>alert(1)</script><b>Bold</b>"
    page = owner_client.get(reverse("desk:subscriber_list", args=[publication.slug]))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt;" in page.text


def test_a_name_with_a_line_break_is_not_imported(import_file, publication, run_worker):
    job = import_file(
        'email,name\neve@example.com,"Eve\r\nBcc: all@example.com"\nok@example.com,Ok\n'
    )

    run_worker()

    assert not Person.objects.filter(email="eve@example.com").exists()
    problem = job.problems.get()
    assert (problem.row_number, problem.reason) == (2, "the name contains a line break")


def test_names_are_cut_to_80_characters(import_file, run_worker):
    import_file(f"email,name\nlong@example.com,{'N' * 200}\n")

    run_worker()

    assert Person.objects.get(email="long@example.com").display_name == "N" * 80


def test_first_and_last_name_columns_make_the_name(import_file, run_worker):
    import_file("Email Address,First Name,Last Name\nada@example.com,Ada,Lovelace\n")

    run_worker()

    assert Person.objects.get(email="ada@example.com").display_name == "Ada Lovelace"


def test_the_job_page_shows_a_refreshing_progress_bar_while_queued(
    import_file, owner_client, publication
):
    job = import_file("email\nada@example.com\n")

    response = job_page(owner_client, publication, job)

    assert '<meta http-equiv="refresh" content="2">' in response.text
    assert re.search(r'<progress max="1" value="0"', response.text)


def test_the_job_page_of_a_finished_import_stops_refreshing_and_reports_skipped_rows(
    import_file, owner_client, publication, run_worker
):
    job = import_file("email\nada@example.com\nnope\nada@example.com\n")
    run_worker()

    response = job_page(owner_client, publication, job)

    assert 'http-equiv="refresh"' not in response.text
    assert '<progress max="3" value="3"' in response.text
    assert "not a valid email address" in response.text
    assert "duplicate of row 2" in response.text


def test_the_skipped_rows_download_as_csv(import_file, owner_client, publication, run_worker):
    job = import_file("email\nada@example.com\n=bad\nada@example.com\n")
    run_worker()

    response = owner_client.get(
        reverse("desk:subscriber_import_report", args=[publication.slug, job.id])
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["row", "email", "problem", "reason"],
        ["3", "'=bad", "invalid", "not a valid email address"],
        ["4", "ada@example.com", "duplicate", "duplicate of row 2"],
    ]


def test_the_stored_file_is_deleted_when_the_import_is_over(
    import_file, run_worker, media_root, django_capture_on_commit_callbacks
):
    job = import_file("email\nada@example.com\n")
    stored = media_root / job.stored_path
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        run_worker()

    job.refresh_from_db()
    assert job.stored_path == ""
    assert not stored.exists()
