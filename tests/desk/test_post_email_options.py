"""The editor's Email fields: subject, preview text and the subject test; bad input is refused
with a clear message; the send confirmation states the test's plan."""

import re

import pytest

from masthead.delivery.models import Send
from masthead.delivery.services.fan_out import set_tracking
from masthead.posts.models import Post, PostStatus
from tests.delivery.conftest import add_subscriber
from tests.desk.editing import autosave_url, edit_url, editor_data

pytestmark = pytest.mark.django_db

EMAIL = {
    "email_subject": "Subject A",
    "preview_text": "Before lunch",
    "subject_test_lines": "Subject B\r\n\r\nSubject C\r\n",
    "subject_test_sample_percent": "10",
    "subject_test_wait_hours": "4",
    "subject_test_metric": "opens",
}


def add_readers(publication, count: int) -> None:
    for n in range(count):
        add_subscriber(publication, f"r{n}@example.com")


def test_the_editor_shows_the_email_fields(author_client, draft):
    html = author_client.get(edit_url(draft)).text

    assert 'id="email-heading">Email</h2>' in html
    for name in EMAIL:
        assert f'name="{name}"' in html


def test_saving_stores_the_email_options(author_client, draft):
    response = author_client.post(edit_url(draft), editor_data(**EMAIL))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.email_subject == "Subject A"
    assert draft.preview_text == "Before lunch"
    assert draft.subject_test_lines == ["Subject B", "Subject C"]  # the empty line left out
    assert (draft.subject_test_sample_percent, draft.subject_test_wait_hours) == (10, 4)
    assert draft.subject_test_metric == "opens"
    assert "Subject B\nSubject C" in author_client.get(edit_url(draft)).text


def autosave(client, post, **fields):
    data = editor_data(**fields)
    data.pop("action")
    return client.post(autosave_url(post), data)


def test_autosave_keeps_the_email_options_and_their_revision(author_client, draft):
    from masthead.revisions.models import PostRevision

    response = autosave(author_client, draft, **EMAIL)

    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.email_subject, draft.preview_text) == ("Subject A", "Before lunch")
    assert draft.subject_test_lines == ["Subject B", "Subject C"]
    latest = PostRevision.objects.filter(post=draft).order_by("-number").first()
    assert latest.email_subject == "Subject A"


def test_the_first_autosave_of_a_new_post_keeps_its_email_options(author_client, publication):
    from django.urls import reverse

    data = editor_data(title="Fresh", **EMAIL)
    data.pop("action")
    url = reverse("desk:post_autosave_new", args=[publication.slug])

    assert author_client.post(url, data).status_code == 201

    post = Post.objects.get(title="Fresh")
    assert (post.email_subject, post.preview_text) == ("Subject A", "Before lunch")


def test_an_autosave_with_bad_email_options_is_refused_and_saves_nothing(author_client, draft):
    too_many = {**EMAIL, "subject_test_lines": "B\nC\nD\nE"}
    response = autosave(author_client, draft, body_markdown="Changed.", **too_many)

    assert response.status_code == 400
    assert "subject_test_lines" in response.json()["errors"]
    draft.refresh_from_db()
    assert draft.body_markdown != "Changed."


def test_without_tracking_an_autosave_refuses_a_test_with_the_reason(
    author_client, publication, draft
):
    set_tracking(publication, False)

    response = autosave(author_client, draft, **EMAIL)

    assert response.status_code == 400
    assert "Subject tests need opens and clicks" in str(response.json()["errors"])


def test_a_page_without_the_email_fields_leaves_them_as_they_are(author_client, draft):
    Post.objects.filter(id=draft.id).update(email_subject="Kept", subject_test_lines=["Other"])

    assert author_client.post(edit_url(draft), editor_data(title="New")).status_code == 302

    draft.refresh_from_db()
    assert (draft.title, draft.email_subject, draft.subject_test_lines) == (
        "New",
        "Kept",
        ["Other"],
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"subject_test_lines": "B\nC\nD\nE"},
            "subject_test_lines",
            "Test at most 4 subject lines",
        ),
        ({"subject_test_lines": "B\nC\nD\nE\nF"}, "subject_test_lines", "Test at most 4"),
        ({"subject_test_lines": "B\nb"}, "subject_test_lines", "must differ from the others"),
        (
            {"subject_test_lines": "subject a"},
            "subject_test_lines",
            "differ from the email subject",
        ),
        ({"subject_test_lines": "x" * 2000}, "subject_test_lines", "1300 characters in all"),
        ({"subject_test_lines": "x" * 400}, "subject_test_lines", "300 characters or fewer"),
        ({"subject_test_lines": "B\x00"}, "subject_test_lines", "Null characters"),
        ({"subject_test_sample_percent": "0"}, "subject_test_sample_percent", "at least 2%"),
        ({"subject_test_sample_percent": "90"}, "subject_test_sample_percent", "at most 50%"),
        ({"subject_test_sample_percent": "ten"}, "subject_test_sample_percent", "whole number"),
        ({"subject_test_sample_percent": "9" * 400}, "subject_test_sample_percent", "at most 50%"),
        ({"subject_test_wait_hours": "3"}, "subject_test_wait_hours", "one of the waits"),
        ({"subject_test_wait_hours": "x"}, "subject_test_wait_hours", "one of the waits"),
        ({"subject_test_metric": "likes"}, "subject_test_metric", "opens or clicks"),
        ({"email_subject": "s" * 5000}, "email_subject", "300 characters or fewer"),
        ({"preview_text": "p" * 5000}, "preview_text", "300 characters or fewer"),
    ],
)
def test_bad_email_options_are_refused_with_a_message(
    author_client, draft, changes, field, message
):
    response = author_client.post(edit_url(draft), editor_data(**{**EMAIL, **changes}))

    assert response.status_code == 400
    errors = re.search(rf'id="id_{field}_error"[^>]*>([^<]*)<', response.text)
    assert errors, f"no error shown for {field}"
    assert message in errors.group(1).replace("&#x27;", "'")
    draft.refresh_from_db()
    assert draft.subject_test_lines == []


def test_without_tracking_the_form_says_so_and_refuses_a_test(author_client, publication, draft):
    set_tracking(publication, False)

    page = author_client.get(edit_url(draft)).text
    response = author_client.post(edit_url(draft), editor_data(**EMAIL))

    assert "Subject tests need opens and clicks" in page
    assert response.status_code == 400
    assert "Subject tests need opens and clicks" in response.text
    draft.refresh_from_db()
    assert draft.subject_test_lines == []


def test_a_small_list_is_told_it_is_too_small_for_a_test(author_client, publication, draft):
    add_readers(publication, 1)

    page = author_client.get(edit_url(draft)).text

    assert "With 1 subscriber, the list is too small for a test" in page


def test_the_send_confirmation_states_the_plan(author_client, publication, draft):
    add_readers(publication, 2000 // 100)  # 20 readers: 10% is 2, one per line
    data = editor_data(
        **{**EMAIL, "subject_test_lines": "Subject B"}, action="publish", send_email="on"
    )

    confirm = author_client.post(edit_url(draft), data)

    assert confirm.status_code == 200
    assert (
        "10% of 20 readers (2) get one of 2 subject lines; after 4 hours the line with most "
        "opens goes to the other 18." in confirm.text
    )
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    assert fields["email_subject"] == "Subject A"
    assert fields["subject_test_lines"] == "Subject B"
    fields["action"] = "publish"
    assert author_client.post(edit_url(draft), fields).status_code == 302
    send = Send.objects.get(post=draft)
    assert send.subject_lines == ["Subject A", "Subject B"]
    assert send.test_sample_percent == 10
    assert draft.__class__.objects.get(id=draft.id).status == PostStatus.PUBLISHED


def test_the_plan_in_words_for_a_big_list(publication, draft):
    from masthead.delivery.services.subject_tests import describe_plan

    Post.objects.filter(id=draft.id).update(
        email_subject="A", subject_test_lines=["B", "C"], subject_test_metric="clicks"
    )
    draft.refresh_from_db()

    assert describe_plan(draft, 2000) == (
        "10% of 2,000 readers (200) get one of 3 subject lines; after 4 hours the line with "
        "most clicks goes to the other 1,800."
    )
    assert "too small" in describe_plan(draft, 5)
