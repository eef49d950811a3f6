"""A writer drafts a post in Chromium with an image and the live preview, schedules it, and the
real worker publishes it to the archive when its time comes."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from masthead.posts.models import Post, PostStatus
from masthead.publications.models import Membership, Role
from tests.factories import make_person, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, person, smtp_sink, run_worker) -> None:
    """Sign in as a writer does: ask for a link, open it from the email the worker sent, press
    its button."""
    page.goto(f"{live_server.url}/sign-in/?next=/desk/")
    page.get_by_placeholder("Type your email…").fill(person.email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("a sign-in link is on its way").wait_for()
    run_worker()
    message = smtp_sink.last_to(person.email)
    page.goto(next(url for url in message.links() if "/sign-in/" in url))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/desk/"))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "sunrise.png"
    Image.new("RGB", (2400, 1200), (240, 160, 60)).save(path)
    return path


@pytest.fixture
def uploaded_names():
    """Images the test uploads into the real media folder, removed afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        default_storage.delete(name)


def test_writer_drafts_with_an_image_schedules_and_the_worker_publishes(
    page, live_server, settings, run_worker, smtp_sink, photo, uploaded_names
):
    settings.BASE_URL = live_server.url  # emailed links use the configured address
    publication = make_publication(name="Morning Paper", slug="morning-paper")
    writer = make_person(name="Wren Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    sign_in(page, live_server, writer, smtp_sink, run_worker)
    problems: list[str] = []  # script errors and Content-Security-Policy refusals
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "favicon" not in (message.location or {}).get("url", "")
            else None
        ),
    )

    page.goto(f"{live_server.url}/desk/morning-paper/posts/new/")
    page.get_by_label("Title", exact=True).fill("Sunrise over the harbour")
    page.get_by_label("Subtitle", exact=True).fill("Notes from an early walk")
    page.get_by_label("Post", exact=True).fill("The light came **slowly**.\n\nThen all at once.")

    # The live preview renders as readers will see it, and the first autosave creates the draft.
    preview = page.locator("[data-preview-body]")
    preview.locator("strong", has_text="slowly").wait_for()
    page.wait_for_url(re.compile(r"/desk/morning-paper/posts/\d+/$"))
    post = Post.objects.get(title="Sunrise over the harbour")
    assert post.status == PostStatus.DRAFT

    # An image goes in where the cursor is, resized, and shows in the preview.
    page.get_by_label("Post", exact=True).evaluate(
        "textarea => textarea.setSelectionRange(26, 26)"  # after the first paragraph
    )
    page.get_by_label("Image file").set_input_files(photo)
    page.get_by_label("Description (alt text)").fill("The harbour at dawn")
    page.get_by_role("button", name="Insert image").click()
    image = preview.get_by_role("img", name="The harbour at dawn")
    image.wait_for()
    src = image.get_attribute("src")
    uploaded_names.append(src.removeprefix("/media/"))
    assert re.fullmatch(rf"/media/posts/{publication.id}/[0-9a-f]{{32}}\.png", src)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1600", arg=image.element_handle()
    )

    # Schedule it a little ahead, to go out by email too.
    moment = (timezone.localtime() + dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    page.get_by_label("Or schedule for").fill(moment.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Send as email to subscribers").check()
    page.get_by_role("button", name="Schedule", exact=True).click()
    # Scheduling with email asks once, in the editor's dialog (the post was new when the page
    # opened), saying how many subscribers will get it.
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "subscriber" in dialog.inner_text()
    dialog.get_by_role("button", name="Confirm and schedule").click()
    page.get_by_text("Scheduled for").wait_for()
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert post.published_at == moment
    assert post.email_requested
    assert post.body_markdown == (
        f"The light came **slowly**.\n\n![The harbour at dawn]({src})\n\nThen all at once."
    )

    page.goto(f"{live_server.url}/pub/morning-paper/archive/")
    assert page.get_by_text("Sunrise over the harbour").count() == 0

    with time_machine.travel(moment + dt.timedelta(seconds=30), tick=True):
        run_worker()

    page.goto(f"{live_server.url}/pub/morning-paper/archive/")
    page.get_by_role("link", name="Sunrise over the harbour").click()
    page.get_by_role("heading", name="Sunrise over the harbour").wait_for()
    assert page.get_by_role("img", name="The harbour at dawn").get_attribute("src") == src
    assert problems == []
