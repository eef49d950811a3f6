"""Revisions of posts: every save keeps one, compare, restore, and stale saves refused (409)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from masthead.posts.models import Post
from masthead.publications.models import Role
from masthead.revisions.models import PostRevision, RevisionKind
from masthead.revisions.queries import current_version
from masthead.revisions.services import AUTOSAVE_WINDOW, record_revision
from tests.desk.editing import autosave_url, edit_url, editor_data, new_url
from tests.factories import make_publication

pytestmark = pytest.mark.django_db


def revisions_url(post, name="desk:post_revisions", *extra) -> str:
    return reverse(name, args=[post.publication.slug, post.id, *extra])


def compare_url(post, a, b) -> str:
    return revisions_url(post, "desk:post_revisions_compare") + f"?a={a}&b={b}"


def restore_url(post, number) -> str:
    return revisions_url(post, "desk:post_revision_restore", number)


def save(client, post, **fields):
    return client.post(edit_url(post), editor_data(content_version=current_version(post), **fields))


def autosave(client, post, version=None, **fields):
    data = editor_data(**fields)
    data.pop("action")
    data["content_version"] = current_version(post) if version is None else version
    return client.post(autosave_url(post), data)


def numbers(post) -> list[int]:
    return list(
        PostRevision.objects.filter(post=post).order_by("number").values_list("number", flat=True)
    )


def test_every_save_keeps_a_revision(author_client, draft, author):
    for text in ("One.", "Two.", "Three."):
        response = save(author_client, draft, body_markdown=text)
        assert response.status_code == 302

    revisions = list(PostRevision.objects.filter(post=draft).order_by("number"))
    assert [r.number for r in revisions] == [1, 2, 3]
    assert [r.body_markdown for r in revisions] == ["One.", "Two.", "Three."]
    assert {r.kind for r in revisions} == {RevisionKind.SAVE}
    assert revisions[0].author == author


def test_a_new_post_starts_with_its_first_revision(author_client, publication):
    response = author_client.post(new_url(publication), editor_data(title="Brand new"))

    assert response.status_code == 302
    post = Post.objects.get(title="Brand new")
    assert [(r.number, r.title) for r in post.revisions.all()] == [(1, "Brand new")]


def test_rapid_autosaves_by_one_writer_make_one_revision(author_client, draft):
    for text in ("a", "ab", "abc"):
        response = autosave(author_client, draft, body_markdown=text)
        assert response.status_code == 200, response.content

    revision = PostRevision.objects.get(post=draft)
    assert revision.kind == RevisionKind.AUTOSAVE
    assert revision.body_markdown == "abc"
    assert revision.version == 3  # each autosave still moved the version on
    assert response.json()["content_version"] == 3


def test_an_autosave_after_the_window_starts_a_new_revision(author_client, draft):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        autosave(author_client, draft, body_markdown="early")
        clock.shift(AUTOSAVE_WINDOW + dt.timedelta(seconds=1))
        autosave(author_client, draft, body_markdown="late")

    assert numbers(draft) == [1, 2]


def test_an_explicit_save_after_autosaves_keeps_its_own_revision(author_client, draft):
    autosave(author_client, draft, body_markdown="typed")
    save(author_client, draft, body_markdown="saved")
    autosave(author_client, draft, body_markdown="typed again")

    kinds = list(
        PostRevision.objects.filter(post=draft).order_by("number").values_list("kind", flat=True)
    )
    assert kinds == ["autosave", "save", "autosave"]


def test_compare_shows_removed_and_added_lines_in_words(author_client, draft):
    save(author_client, draft, body_markdown="Kept line.\nOld sentence.")
    save(author_client, draft, body_markdown="Kept line.\nNew sentence.", title="Renamed")

    response = author_client.get(compare_url(draft, 1, 2))

    assert response.status_code == 200
    html = response.content.decode()
    assert "− Removed" in html and "<del>Old sentence.</del>" in html
    assert "+ Added" in html and "<ins>New sentence.</ins>" in html
    assert "<ins>Renamed</ins>" in html
    assert 'Subtitle <span class="revision-diff__same">(unchanged)</span>' in html


@pytest.mark.parametrize("query", ["?a=x&b=1", "?a=1&b=1e9999", "?a=&b=%00"])
def test_compare_refuses_numbers_that_are_not_numbers(author_client, draft, query):
    save(author_client, draft, body_markdown="One.")
    response = author_client.get(revisions_url(draft, "desk:post_revisions_compare") + query)
    assert response.status_code == 400
    assert "Choose two revisions" in response.content.decode()


@pytest.mark.parametrize("number", ["99", "0", "-1", str(2**63)])
def test_compare_of_an_unknown_revision_is_not_found(author_client, draft, number):
    save(author_client, draft, body_markdown="One.")
    response = author_client.get(
        revisions_url(draft, "desk:post_revisions_compare") + f"?a={number}&b=1"
    )
    assert response.status_code == 404


def test_the_list_shows_number_author_and_kind(author_client, draft):
    save(author_client, draft, body_markdown="One.")
    autosave(author_client, draft, body_markdown="Two.")

    response = author_client.get(revisions_url(draft))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-revision="1"' in html and 'data-revision="2"' in html
    assert "Ada Author" in html and "Autosave" in html and "Save" in html


def test_restore_writes_the_old_content_back_as_a_new_revision(author_client, draft, author):
    save(author_client, draft, body_markdown="The original.", title="Original")
    save(author_client, draft, body_markdown="A worse version.", title="Worse")

    response = author_client.post(restore_url(draft, 1))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.body_markdown) == ("Original", "The original.")
    assert "The original." in draft.body_html
    latest = PostRevision.objects.filter(post=draft).order_by("-number").first()
    assert (latest.number, latest.kind, latest.restored_from) == (3, RevisionKind.RESTORE, 1)
    assert latest.author == author


def test_restore_brings_back_the_emails_subject_and_preview_text(author_client, draft):
    email = {"subject_test_lines": "", "subject_test_sample_percent": "10"}
    email |= {"subject_test_wait_hours": "4", "subject_test_metric": "opens"}
    save(author_client, draft, email_subject="Tides, told", preview_text="Low at six.", **email)
    save(author_client, draft, email_subject="A worse subject", preview_text="", **email)
    first = PostRevision.objects.get(post=draft, number=1)
    assert (first.email_subject, first.preview_text) == ("Tides, told", "Low at six.")

    assert author_client.post(restore_url(draft, 1)).status_code == 302

    draft.refresh_from_db()
    assert (draft.email_subject, draft.preview_text) == ("Tides, told", "Low at six.")


def test_restore_needs_post(author_client, draft):
    save(author_client, draft, body_markdown="One.")
    save(author_client, draft, body_markdown="Two.")

    response = author_client.get(restore_url(draft, 1))

    assert response.status_code == 405
    draft.refresh_from_db()
    assert draft.body_markdown == "Two."


def test_restore_needs_the_csrf_token(draft, author):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author)
    record_revision(draft, author)
    draft.body_markdown = "Changed."
    draft.save(update_fields=["body_markdown"])

    response = strict.post(restore_url(draft, 1))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.body_markdown == "Changed."
    assert numbers(draft) == [1]


def test_two_tabs_the_stale_autosave_gets_409_and_the_first_text_stays(author_client, draft):
    opened_at = current_version(draft)  # both tabs open the same version
    tab_a = autosave(author_client, draft, version=opened_at, body_markdown="Tab A's text.")
    assert tab_a.status_code == 200

    tab_b = autosave(author_client, draft, version=opened_at, body_markdown="Tab B's text.")

    assert tab_b.status_code == 409
    answer = tab_b.json()
    assert "Nothing was overwritten" in answer["error"]
    assert answer["conflict"]["author"] == "Ada Author"
    assert answer["conflict"]["saved_at"]
    draft.refresh_from_db()
    assert draft.body_markdown == "Tab A's text."
    assert [r.body_markdown for r in draft.revisions.all()] == ["Tab A's text."]


def test_two_authors_a_stale_autosave_is_refused_naming_the_other(client, draft, owner, author):
    opened_at = current_version(draft)
    client.force_login(owner)
    assert autosave(client, draft, version=opened_at, body_markdown="Owner's.").status_code == 200
    client.force_login(author)

    response = autosave(client, draft, version=opened_at, body_markdown="Author's.")

    assert response.status_code == 409
    assert response.json()["conflict"]["author"] == "Olive Owner"
    draft.refresh_from_db()
    assert draft.body_markdown == "Owner's."


def test_keep_mine_saves_over_the_other_and_keeps_both(author_client, draft):
    opened_at = current_version(draft)
    autosave(author_client, draft, version=opened_at, body_markdown="Theirs.")
    response = author_client.post(
        autosave_url(draft),
        {**editor_data(body_markdown="Mine."), "content_version": opened_at, "force_save": "1"},
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.body_markdown == "Mine."
    assert [r.body_markdown for r in draft.revisions.order_by("number")] == ["Theirs.", "Mine."]


def test_a_stale_save_without_javascript_shows_both_texts_and_saves_nothing(author_client, draft):
    opened_at = current_version(draft)
    autosave(author_client, draft, version=opened_at, body_markdown="Saved elsewhere.")

    response = author_client.post(
        edit_url(draft),
        editor_data(body_markdown="My unsaved paragraph.", content_version=opened_at),
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved: this post changed after you opened it" in html
    assert "My unsaved paragraph." in html  # the writer's text, still in the form
    assert "Saved elsewhere." in html  # and the saved one beside it
    assert f'name="content_version" value="{opened_at}"' in html  # still the stale one
    assert 'name="force_save"' in html
    draft.refresh_from_db()
    assert draft.body_markdown == "Saved elsewhere."


def test_a_save_from_an_older_page_without_the_version_is_not_checked(author_client, draft):
    autosave(author_client, draft, body_markdown="Elsewhere.")
    response = author_client.post(edit_url(draft), editor_data(body_markdown="Mine."))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.body_markdown == "Mine."


@pytest.mark.parametrize("version", ["7", "-3", "junk", str(2**70), "\x00"])
def test_a_post_without_revisions_saves_whatever_version_is_sent(author_client, draft, version):
    response = autosave(author_client, draft, version=version, body_markdown="Saved.")
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.body_markdown == "Saved."


def test_the_editor_carries_the_version_and_links_to_revisions(author_client, draft):
    save(author_client, draft, body_markdown="One.")
    response = author_client.get(edit_url(draft))
    html = response.content.decode()
    assert 'name="content_version" value="1"' in html
    assert revisions_url(draft) in html


@pytest.mark.parametrize(
    "name, method, extra",
    [
        ("desk:post_revisions", "get", ()),
        ("desk:post_revisions_compare", "get", ()),
        ("desk:post_revision_restore", "post", (1,)),
    ],
)
def test_another_publications_staff_get_not_found(client, draft, make_staff, name, method, extra):
    other = make_publication("Other")
    client.force_login(make_staff(Role.OWNER, "Stranger", on=other))
    save_as = Client()
    save_as.force_login(draft.bylines.first().person)
    save(save_as, draft, body_markdown="One.")

    response = getattr(client, method)(revisions_url(draft, name, *extra))

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.body_markdown == "One."


def test_a_colleague_who_is_not_an_author_may_not_restore(client, draft, make_staff, author):
    writer = Client()
    writer.force_login(author)
    save(writer, draft, body_markdown="One.")
    save(writer, draft, body_markdown="Two.")
    client.force_login(make_staff(Role.AUTHOR, "Colleague"))

    assert client.get(revisions_url(draft)).status_code == 403
    assert client.post(restore_url(draft, 1)).status_code == 403
    draft.refresh_from_db()
    assert draft.body_markdown == "Two."


def test_the_list_takes_the_same_queries_for_many_revisions(
    author_client, draft, make_staff, django_assert_max_num_queries
):
    for index in range(30):
        record_revision(draft, make_staff(Role.ADMIN, f"Editor {index}"))

    with django_assert_max_num_queries(12):
        response = author_client.get(revisions_url(draft))

    assert response.status_code == 200
    assert response.content.decode().count("data-revision=") == 30
