"""Writing in the editor: drafts, fields and their limits, slugs, sections, previews, autosave."""

import re

import pytest
from django.urls import reverse

from masthead.posts.models import Post, PostStatus
from masthead.publications.models import Section
from tests.desk.editing import autosave_url, edit_url, editor_data, new_url
from tests.factories import make_post, make_publication

pytestmark = pytest.mark.django_db


def test_the_new_post_page_shows_an_empty_editor(author_client, publication):
    response = author_client.get(new_url(publication))

    assert response.status_code == 200
    assert 'name="title"' in response.text and 'name="body_markdown"' in response.text
    assert "masthead/editor.js" in response.text and "masthead/editor.css" in response.text


def test_saving_a_new_post_creates_a_draft_by_its_writer(author_client, publication, author):
    response = author_client.post(
        new_url(publication), editor_data(title="First light", body_markdown="Hello **you**.")
    )

    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(post)
    assert post.status == PostStatus.DRAFT
    assert post.published_at is None
    assert post.slug == "first-light"
    assert post.body_html == "<p>Hello <strong>you</strong>.</p>\n"
    assert [byline.person for byline in post.bylines.all()] == [author]


def test_a_post_without_a_title_is_refused_and_nothing_is_saved(author_client, publication):
    response = author_client.post(new_url(publication), editor_data(title="   "))

    assert response.status_code == 400
    assert "Give the post a title." in response.text
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("field", "limit", "message"),
    [
        ("title", 200, "Keep the title to 200 characters or fewer (it has 201)."),
        ("subtitle", 300, "Keep the subtitle to 300 characters or fewer (it has 301)."),
        ("slug", 120, "Keep the address to 120 characters or fewer (it has 121)."),
    ],
)
def test_an_overlong_field_is_refused_with_its_limit(
    author_client, publication, draft, field, limit, message
):
    response = author_client.post(edit_url(draft), editor_data(**{field: "a" * (limit + 1)}))

    assert response.status_code == 400
    assert message in response.text
    draft.refresh_from_db()
    assert draft.title == "A draft" and draft.subtitle == "" and draft.slug == "a-draft"


def test_an_overlong_body_is_refused(author_client, publication, draft, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    response = author_client.post(edit_url(draft), editor_data(body_markdown="x" * 300_001))

    assert response.status_code == 400
    assert "Keep the post to 300000 characters or fewer" in response.text
    draft.refresh_from_db()
    assert draft.body_markdown == "Draft *words*."


def test_a_null_character_in_the_title_is_refused_not_a_server_error(
    author_client, publication, draft
):
    response = author_client.post(edit_url(draft), editor_data(title="Bad\x00title"))

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.text


def test_an_unknown_action_is_refused_not_a_server_error(author_client, publication, draft):
    response = author_client.post(edit_url(draft), editor_data(action="explode"))

    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT


def test_html_in_title_subtitle_and_body_is_shown_as_text_never_run(
    author_client, publication, draft
):
    script = "<script>alert(1)</script>"
    data = editor_data(
        title=f"Hi {script}",
        subtitle=f"Sub {script}",
        body_markdown=f'{script}\n\n<img src=x onerror="alert(2)">\n\n[link](javascript:alert(3))',
    )

    author_client.post(edit_url(draft), data)
    pages = [
        author_client.get(edit_url(draft)).text,
        author_client.get(reverse("desk:post_preview", args=[publication.slug, draft.id])).text,
    ]

    draft.refresh_from_db()
    assert draft.title == f"Hi {script}"
    assert "<script" not in draft.body_html and "<img" not in draft.body_html
    assert "href=" not in draft.body_html
    for page in pages:
        assert script not in page and "<img src=x" not in page
        assert "Hi &lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "Sub &lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("slug", ["Hello World", "über-post", "-edge-", "two--hyphens", "a_b"])
def test_an_invalid_slug_is_refused_with_an_example(author_client, publication, draft, slug):
    response = author_client.post(edit_url(draft), editor_data(slug=slug))

    assert response.status_code == 400
    assert "Use only lowercase letters, digits and single hyphens" in response.text
    draft.refresh_from_db()
    assert draft.slug == "a-draft"


def test_a_slug_is_lowercased(author_client, publication, draft):
    author_client.post(edit_url(draft), editor_data(slug="My-Post"))

    draft.refresh_from_db()
    assert draft.slug == "my-post"


def test_a_slug_used_by_another_post_is_refused_and_nothing_is_saved(
    author_client, publication, draft
):
    make_post(publication, "Taken", slug="taken")

    response = author_client.post(
        edit_url(draft), editor_data(slug="taken", body_markdown="New words.")
    )

    assert response.status_code == 400
    assert "Another post has the address “taken”" in response.text
    draft.refresh_from_db()
    assert draft.slug == "a-draft" and draft.body_markdown == "Draft *words*."


def test_a_new_post_with_a_taken_slug_is_refused(author_client, publication):
    make_post(publication, "Taken", slug="taken")

    response = author_client.post(new_url(publication), editor_data(title="Mine", slug="taken"))

    assert response.status_code == 400
    assert "Another post has the address “taken”" in response.text
    assert Post.objects.count() == 1


def test_the_same_slug_may_be_used_in_another_publication(author_client, publication, draft):
    make_post(make_publication(), "Elsewhere", slug="shared")

    response = author_client.post(edit_url(draft), editor_data(slug="shared"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.slug == "shared"


def test_an_empty_slug_on_a_draft_follows_the_title(author_client, publication, draft):
    author_client.post(edit_url(draft), editor_data(title="A better title", slug=""))

    draft.refresh_from_db()
    assert draft.slug == "a-better-title"


def test_a_chosen_slug_stays_when_the_title_changes(author_client, publication, draft):
    author_client.post(edit_url(draft), editor_data(slug="chosen"))
    author_client.post(edit_url(draft), editor_data(title="Another title", slug="chosen"))

    draft.refresh_from_db()
    assert draft.slug == "chosen"


def test_a_draft_whose_slug_follows_its_title_shows_an_empty_slug_field(
    author_client, publication, draft
):
    response = author_client.get(edit_url(draft))

    slug_input = re.search(r'<input[^>]*name="slug"[^>]*>', response.text)[0]
    assert 'placeholder="a-draft"' in slug_input
    assert "value=" not in slug_input


def test_saving_a_draft_keeps_it_a_draft(author_client, publication, draft):
    response = author_client.post(edit_url(draft), editor_data(body_markdown="More."))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT
    assert draft.body_markdown == "More."


def test_the_editor_offers_the_publications_sections_only(author_client, publication, draft):
    Section.objects.create(publication=publication, name="Field notes", slug="field-notes")
    Section.objects.create(publication=make_publication(), name="Elsewhere", slug="elsewhere")

    response = author_client.get(edit_url(draft))

    assert "Field notes" in response.text
    assert "Elsewhere" not in response.text


def test_a_section_and_audience_are_saved(author_client, publication, draft):
    section = Section.objects.create(publication=publication, name="Notes", slug="notes")

    author_client.post(edit_url(draft), editor_data(section=section.id, audience="paid"))

    draft.refresh_from_db()
    assert draft.section == section
    assert draft.audience == "paid"


def test_a_section_of_another_publication_is_refused(author_client, publication, draft):
    foreign = Section.objects.create(publication=make_publication(), name="X", slug="x")

    response = author_client.post(edit_url(draft), editor_data(section=foreign.id))

    assert response.status_code == 400
    assert "Choose one of the publication’s sections." in response.text.replace("&#x27;", "’")
    draft.refresh_from_db()
    assert draft.section is None


def test_an_unknown_audience_is_refused(author_client, publication, draft):
    response = author_client.post(edit_url(draft), editor_data(audience="friends"))

    assert response.status_code == 400
    assert "Choose who may read the whole post." in response.text


def test_the_preview_button_shows_the_rendered_post_without_saving(
    author_client, publication, draft
):
    response = author_client.post(
        edit_url(draft), editor_data(action="preview", body_markdown="## Heading\n\nNew *text*.")
    )

    assert response.status_code == 200
    assert "<h2>Heading</h2>" in response.text
    assert "<p>New <em>text</em>.</p>" in response.text
    draft.refresh_from_db()
    assert draft.body_markdown == "Draft *words*."


def test_the_live_preview_returns_the_html_readers_get(author_client, publication):
    response = author_client.post(
        reverse("desk:post_render_preview", args=[publication.slug]),
        {"body_markdown": "Some **bold** text."},
    )

    assert response.status_code == 200
    assert response.json() == {"html": "<p>Some <strong>bold</strong> text.</p>\n"}


def test_the_live_preview_is_sanitized(author_client, publication):
    body = '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[a](javascript:alert(3))'

    response = author_client.post(
        reverse("desk:post_render_preview", args=[publication.slug]), {"body_markdown": body}
    )

    html = response.json()["html"]
    assert "<script" not in html and "<img" not in html
    assert "href=" not in html  # the javascript: link stays text
    assert "&lt;script&gt;" in html


def test_the_live_preview_refuses_an_overlong_body_with_a_message(
    author_client, publication, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    response = author_client.post(
        reverse("desk:post_render_preview", args=[publication.slug]),
        {"body_markdown": "x" * 300_001},
    )

    assert response.status_code == 400
    assert "300000 characters" in response.json()["error"]


def test_updating_a_published_post_changes_what_readers_see(
    client, publication, author, make_staff
):
    post = make_post(publication, "Live", author=author, body="Old text.")
    client.force_login(author)

    response = client.post(
        edit_url(post), editor_data(title="Live", slug=post.slug, body_markdown="New text.")
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert "New text." in client.get(reverse("posts:detail", args=[post.slug])).text


# Autosave


def test_autosave_saves_the_draft_and_says_when(author_client, publication, draft):
    response = author_client.post(autosave_url(draft), editor_data(body_markdown="Typed on."))

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.body_markdown == "Typed on."
    assert response.json()["saved_at"] == draft.updated_at.isoformat()
    assert response.json()["status"] == "draft"


def test_autosave_keeps_a_draft_a_draft_whatever_is_posted(author_client, publication, draft):
    data = editor_data(action="publish", status="published", publish_at="2030-01-01T10:00")

    author_client.post(autosave_url(draft), data)

    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT
    assert draft.published_at is None


def test_autosave_keeps_a_scheduled_post_scheduled(author_client, publication, author):
    post = make_post(publication, "Later", status=PostStatus.DRAFT, author=author)
    author_client.post(
        edit_url(post), editor_data(title="Later", action="schedule", publish_at="2030-01-01T10:00")
    )

    author_client.post(autosave_url(post), editor_data(title="Later", body_markdown="Edited."))

    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert post.body_markdown == "Edited."


def test_autosave_does_not_touch_a_published_post(author_client, publication, author):
    post = make_post(publication, "Live", author=author, body="Old.")

    response = author_client.post(autosave_url(post), editor_data(title="Live", body_markdown="x"))

    assert response.status_code == 409
    assert "no longer saved automatically" in response.json()["error"]
    post.refresh_from_db()
    assert post.body_markdown == "Old."


def test_autosave_without_a_title_saves_nothing_and_says_why(author_client, publication, draft):
    response = author_client.post(autosave_url(draft), editor_data(title="", body_markdown="x"))

    assert response.status_code == 400
    assert response.json()["error"] == "Give the post a title."
    draft.refresh_from_db()
    assert draft.body_markdown == "Draft *words*."


def test_autosave_with_a_taken_slug_says_so(author_client, publication, draft):
    make_post(publication, "Taken", slug="taken")

    response = author_client.post(autosave_url(draft), editor_data(slug="taken"))

    assert response.status_code == 400
    assert response.json()["errors"]["slug"][0].startswith("Another post has the address")


def test_the_first_autosave_of_a_new_post_creates_its_draft(author_client, publication, author):
    response = author_client.post(
        reverse("desk:post_autosave_new", args=[publication.slug]),
        editor_data(title="Fresh", body_markdown="Started."),
    )

    post = Post.objects.get()
    assert response.status_code == 201
    assert response.json()["urls"]["action"] == edit_url(post)
    assert response.json()["urls"]["autosave"] == autosave_url(post)
    assert post.status == PostStatus.DRAFT
    assert post.bylines.get().person == author
