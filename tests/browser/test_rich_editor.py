"""In Chromium: a writer builds a post with every block type in the rich editor (typed with
Markdown shortcuts, from the toolbar, pasted from a Google Docs and a Word clipboard, images
uploaded from the file field and pasted), publishes it, and the Markdown in the form and the
published page hold each block; existing posts' Markdown comes back from the editor unchanged
in what readers see; the editor passes axe and fits 390 px. Screenshots go to $MASTHEAD_SHOTS
when it is set."""

import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from masthead.core.rendering import render_markdown
from masthead.demo import content
from masthead.posts.models import Audience, PostStatus
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.browser.test_accessibility import (
    assert_accessible,
    assert_no_horizontal_scroll,
    save_screenshot,
    sign_in,
)
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


GOOGLE_DOCS_HTML = (
    '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1f2e3d4c">'
    '<h3 dir="ltr"><span style="font-size:13pt;font-weight:400;">Pasted heading</span></h3>'
    '<p dir="ltr" style="line-height:1.38;margin-top:0pt;"><span style="font-weight:400;">'
    'Plain words with </span><span style="font-weight:700;">real bold</span>'
    '<span style="font-weight:400;"> and </span><span style="font-style:italic;">a slant</span>'
    "<span></span></p></b>"
)
WORD_HTML = (
    "<html xmlns:o='urn:schemas-microsoft-com:office:office'><head><style>p.MsoNormal{}</style>"
    "</head><body><!--StartFragment--><p class=MsoNormal style='mso-margin-top-alt:auto'>"
    "<span style='mso-bidi-font-size:11pt'>Word paragraph kept<o:p></o:p></span></p>"
    "<span></span><!--EndFragment--></body></html>"
)

# A file made in the page and handed to the editor as a paste or a drop, as a browser does for a
# copied or dragged image.
GIVE_IMAGE = """async ([how, name]) => {
  const canvas = document.createElement("canvas");
  canvas.width = 40; canvas.height = 30;
  const context = canvas.getContext("2d");
  context.fillStyle = "#3a7"; context.fillRect(0, 0, 40, 30);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const data = new DataTransfer();
  data.items.add(new File([blob], name, { type: "image/png" }));
  const target = document.querySelector(".rich-editor__content");
  const box = target.getBoundingClientRect();
  const event = how === "paste"
    ? new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true })
    : new DragEvent("drop", { dataTransfer: data, clientX: box.left + 30, clientY: box.top + 20, bubbles: true, cancelable: true });
  target.dispatchEvent(event);
}"""

PASTE_HTML = """(html) => {
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", "fallback");
  const target = document.querySelector(".rich-editor__content");
  target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""


PASTE_TEXT = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  const target = document.querySelector(".rich-editor__content");
  target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""


@pytest.fixture
def photos(tmp_path):
    paths = []
    for name, colour in [
        ("harbour", (240, 160, 60)),
        ("boats", (60, 120, 200)),
        ("nets", (90, 90, 90)),
    ]:
        path = tmp_path / f"{name}.png"
        Image.new("RGB", (800, 500), colour).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def uploads():
    """Images the test uploads into the real media folder, removed afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        default_storage.delete(name)


@pytest.fixture
def writer_and_draft(db):
    publication = make_publication(name="Harbour Weekly", slug="harbour-weekly")
    writer = make_person(name="Wren Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    draft = make_post(
        publication,
        "Every block",
        status=PostStatus.DRAFT,
        author=writer,
        body="",
        audience=Audience.PAID,
    )
    return publication, writer, draft


def markdown_of(page) -> str:
    return page.locator("textarea[name=body_markdown]").input_value()


def toolbar(page, name):
    return page.get_by_role("toolbar", name="Formatting").get_by_role(
        "button", name=name, exact=True
    )


def fill_panel(page, title, **values):
    panel = page.get_by_role("group", name=title, exact=True)
    for label, value in values.items():
        field = panel.get_by_label(label, exact=True)
        if isinstance(value, list):
            field.set_input_files(value)
        elif field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    panel.get_by_role("button", name="Insert").click()
    expect(panel).to_have_count(0)


def write_every_block(page, photos):
    editor = page.locator(".rich-editor__content")
    editor.click()
    keyboard = page.keyboard
    # Markdown shortcuts as you type.
    keyboard.type("## Harbour notes")
    keyboard.press("Enter")
    keyboard.type("The light came **slowly** and then ")
    toolbar(page, "Italic").click()
    keyboard.type("all at once")
    toolbar(page, "Italic").click()
    keyboard.type(". Energy is ")
    toolbar(page, "Inline TeX").click()
    fill_panel(page, "Inline TeX", TeX="E=mc^2")
    keyboard.type(" as always")
    toolbar(page, "Footnote").click()
    fill_panel(page, "Footnote", **{"Note text": "Einstein, 1905."})
    keyboard.type(".")
    keyboard.press("Enter")
    keyboard.type("- first item")
    keyboard.press("Enter")
    keyboard.type("second item")
    keyboard.press("Enter")
    keyboard.press("Enter")
    keyboard.type("1. one")
    keyboard.press("Enter")
    keyboard.type("two")
    keyboard.press("Enter")
    keyboard.press("Enter")
    keyboard.type("> A quiet quote")
    keyboard.press("Enter")
    keyboard.press("Enter")
    keyboard.type("Words worth a pull quote")
    toolbar(page, "Pull quote").click()
    keyboard.press("Enter")
    keyboard.press("Enter")
    keyboard.type("```python ")
    keyboard.type("print('tide')")
    keyboard.press("Enter")
    keyboard.press("Enter")
    keyboard.press("Enter")
    keyboard.type("Read the ")
    keyboard.type("harbour log")
    for _ in range(len("harbour log")):
        keyboard.press("Shift+ArrowLeft")
    toolbar(page, "Link").click()
    fill_panel(
        page, "Link", **{"Web address (empty to remove the link)": "https://example.com/log"}
    )
    keyboard.press("End")
    keyboard.type(" today.")
    keyboard.press("Enter")
    keyboard.type("---")
    toolbar(page, "TeX block").click()
    fill_panel(page, "TeX block", TeX="\\int_0^1 x\\,dx")
    # Images: one from the file field with alt text and caption, a gallery, one pasted.
    toolbar(page, "Image").click()
    fill_panel(
        page,
        "Image",
        **{
            "Image file": [photos[0]],
            "Alt text": "The harbour at dawn",
            "Caption (optional)": "Dawn over the *harbour*",
        },
    )
    page.get_by_role("img", name="The harbour at dawn").wait_for()
    toolbar(page, "Gallery").click()
    fill_panel(
        page,
        "Gallery",
        **{
            "Image files (two or more)": photos[1:],
            "Caption of the gallery (optional)": "Boats and nets",
        },
    )
    expect(page.get_by_text("Gallery of 2 images")).to_be_visible(timeout=30_000)
    expect(page.locator(".rich-editor__problems")).to_have_text("")
    page.evaluate(GIVE_IMAGE, ["paste", "pasted-chart.png"])
    page.get_by_role("img", name="pasted chart").wait_for()
    # Buttons and an embed.
    for kind, label in [("subscribe", "Subscribe now"), ("share", "Share this post")]:
        toolbar(page, "Button").click()
        fill_panel(page, "Button", **{"What it does": kind, "Button text": label})
    toolbar(page, "Button").click()
    fill_panel(
        page,
        "Button",
        **{
            "What it does": "link",
            "Button text": "Read the report",
            "Web address": "https://example.com/report",
        },
    )
    toolbar(page, "Embed").click()
    fill_panel(
        page,
        "Embed",
        **{
            "Address of the video, audio or post": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "Caption (optional)": "A harbour film",
        },
    )
    page.get_by_text("Embed from www.youtube.com").wait_for()
    # Pasted from Google Docs and from Word, into the paragraph after the embed.
    page.evaluate(PASTE_HTML, GOOGLE_DOCS_HTML)
    page.keyboard.press("Enter")
    page.evaluate(PASTE_HTML, WORD_HTML)
    # The paywall line, then a paragraph only paying readers see.
    toolbar(page, "Paywall line").click()
    keyboard.type("Only for paying readers.")
    # Undo and redo from the toolbar.
    page.wait_for_timeout(700)  # a pause ends the undo step
    keyboard.type(" Oops")
    toolbar(page, "Undo").click()
    toolbar(page, "Redo").click()
    toolbar(page, "Undo").click()


def test_a_post_with_every_block_written_in_the_rich_editor_is_published_whole(
    browser, live_server, settings, writer_and_draft, photos, uploads, smtp_sink, run_worker
):
    settings.BASE_URL = live_server.url  # the desk's "View post" link is absolute
    publication, writer, draft = writer_and_draft
    Subscription.objects.create(
        publication=publication,
        person=make_person(email="free.reader@example.com"),
        status=SubscriptionStatus.ACTIVE,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []  # script errors and Content-Security-Policy refusals
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text + " @ " + str(message.location))
            if message.type == "error"
            else None
        ),
    )
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("desk:post_edit", args=[publication.slug, draft.id]))
    expect(page.locator("textarea[name=body_markdown]")).to_have_attribute("aria-hidden", "true")

    write_every_block(page, photos)

    markdown = markdown_of(page)
    uploads.extend(m.removeprefix("/media/") for m in re.findall(r"\]\((/media/[^ )]+)", markdown))
    assert len(uploads) == 4
    for construct in [
        "## Harbour notes",
        "The light came **slowly** and then *all at once*. Energy is $E=mc^2$ as always[^1].",
        "[^1]: Einstein, 1905.",
        "- first item\n- second item",
        "1. one\n2. two",
        "> A quiet quote",
        "::: pullquote\nWords worth a pull quote\n:::",
        "```python\nprint('tide')\n```",
        "Read the [harbour log](https://example.com/log) today.",
        "\n---\n",
        "$$\n\\int_0^1 x\\,dx\n$$",
        '::button[Subscribe now]{kind="subscribe"}',
        '::button[Share this post]{kind="share"}',
        '::button[Read the report]{href="https://example.com/report"}',
        '::embed{url="https://www.youtube.com/watch?v=dQw4w9WgXcQ" caption="A harbour film"}',
        "### Pasted heading",
        "Plain words with **real bold** and *a slant*",
        "Word paragraph kept",
        "<!-- paywall -->\n\nOnly for paying readers.",
    ]:
        assert construct in markdown, construct
    assert re.search(
        r'!\[The harbour at dawn\]\(/media/\S+ "Dawn over the \*harbour\*"\)', markdown
    )
    assert re.search(
        r'!\[boats\]\(/media/\S+\)\n!\[nets\]\(/media/\S+ "Boats and nets"\)', markdown
    )
    assert re.search(r"!\[pasted chart\]\(/media/\S+\)", markdown)
    assert "Oops" not in markdown
    assert "**Plain words" not in markdown  # Docs' wrapper <b> is not bold
    assert "mso" not in markdown and "o:p" not in markdown
    expect(page.locator(".rich-editor__counts")).to_have_text(
        re.compile(r"^\d+ words · about 1 min read$")
    )

    # The preview, rendered by the server from the textarea, already shows the blocks.
    expect(page.locator("[data-preview-body] .pullquote")).to_contain_text(
        "Words worth a pull quote"
    )
    expect(page.locator("[data-save-status]")).to_contain_text("Saved", timeout=10_000)
    page.locator("input[name=send_email]").check()
    page.locator("button[name=action][value=publish]").click()
    page.get_by_role("button", name="Confirm and send").click()
    page.get_by_role("link", name="View post").click()
    post_url = page.url

    body = page.locator(".post__body")
    expect(body.get_by_role("heading", name="Harbour notes", level=2)).to_be_visible()
    expect(body.locator("ul li")).to_have_text(["first item", "second item"])
    expect(body.locator("ol:not(.footnotes-list) li")).to_have_text(["one", "two"])
    expect(body.locator("blockquote:not(.pullquote)")).to_have_text("A quiet quote")
    expect(body.locator("blockquote.pullquote")).to_have_text("Words worth a pull quote")
    expect(body.locator("pre code")).to_have_text("print('tide')")
    expect(body.locator("span.math")).to_have_text("E=mc^2")
    expect(body.locator("div.math")).to_have_text("\\int_0^1 x\\,dx")
    figure = body.locator("figure", has=page.get_by_role("img", name="The harbour at dawn"))
    expect(figure.locator("figcaption")).to_have_text("Dawn over the harbour")
    expect(figure.locator("figcaption em")).to_have_text("harbour")
    gallery = body.locator("figure.gallery")
    expect(gallery.locator("img")).to_have_count(2)
    expect(gallery.locator("figcaption")).to_have_text("Boats and nets")
    expect(body.get_by_role("img", name="pasted chart")).to_be_visible()
    expect(body.locator("sup.footnote-ref a")).to_have_text("1")
    expect(body.locator("section.footnotes li")).to_contain_text("Einstein, 1905.")
    expect(body.get_by_role("link", name="Subscribe now")).to_be_visible()
    expect(body.get_by_role("link", name="Share this post")).to_be_visible()
    expect(body.get_by_role("link", name="Read the report")).to_have_attribute(
        "href", "https://example.com/report"
    )
    frame = body.locator("iframe")
    expect(frame).to_have_attribute("src", re.compile(r"youtube-nocookie\.com/embed/dQw4w9WgXcQ"))
    expect(frame).to_have_attribute("sandbox", re.compile(r"allow-scripts"))
    expect(body.get_by_role("heading", name="Pasted heading", level=3)).to_be_visible()
    expect(body.locator("strong", has_text="real bold")).to_have_count(1)
    expect(body.get_by_text("Only for paying readers.")).to_be_visible()
    assert problems == [], "\n".join(problems)
    context.close()

    # The email, as the free subscriber's mail server got it: the same blocks, made for mail
    # (no frame, no script), and nothing below the paywall line.
    run_worker()
    email = smtp_sink.last_to("free.reader@example.com")
    assert "Harbour notes" in email.html and "Harbour notes" in email.text
    assert "Words worth a pull quote" in email.html
    assert "print(&#x27;tide&#x27;)" in email.html or "print('tide')" in email.html
    assert "Dawn over the" in email.html and "Boats and nets" in email.html
    assert "E=mc^2" in email.html
    assert ">Subscribe now<" in email.html and ">Read the report<" in email.html
    # The embed is a link card (its address tracked in the HTML, as every link is).
    assert ">Watch on YouTube</a>" in email.html
    assert "Watch on YouTube (https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in email.text
    assert "<iframe" not in email.html and "<script" not in email.html
    # The footnotes are listed at the end of the post, below the paywall line.
    for paid_part in ("Only for paying readers.", "Einstein, 1905."):
        assert paid_part not in email.html + email.text

    # A reader without paid access stops at the paywall line.
    stranger = browser.new_context()
    reader_page = stranger.new_page()
    reader_page.goto(post_url)
    reader_body = reader_page.locator(".post__body")
    expect(reader_body.get_by_role("heading", name="Harbour notes")).to_be_visible()
    expect(reader_body.get_by_text("Only for paying readers.")).to_have_count(0)
    stranger.close()


def corpus() -> list[str]:
    """Existing posts' Markdown: the demo publication's posts, and posts with every extension."""
    posts = [content.post_body(title, subtitle) for title, subtitle, *_ in content.POSTS]
    return [
        *posts,
        "Prices: $5 and $10, or $x$ and \\$y$. Tags like <b>bold</b> & &amp;copy; stay text.\n"
        "A soft\nline break, a hard  \nbreak and a \\\nbackslash one.",
        "- a\n- b\n\n* c\n\n1. loose\n\n2. list\n\n   - nested\n   - tight\n\n1) other\n",
        "> quote with **bold**\n> and `code | pipe`\n\n| h | i |\n|---|:-:|\n| `a|b` | c \\| d |",
        '::: pullquote\nQuoted *text*.\n:::\n\n::button{kind="share"}\n\n'
        '::button[Read \\] it]{href="https://e.com/a\\"b"}\n\nPara\n::embed{url="https://x.com/a"}',
        "Text[^a] and[^b] again[^a].\n\n[^a]: First *note*.\n\n    Second para.\n[^b]: Other.",
        '![one](/media/1.jpg) ![two](/media/2.jpg "Both")\n\n![A \\[big\\] sunset](/media/3.jpg)\n\n'
        '[link](https://e.com/a_(b) "T\\"itle") <https://auto.link>',
        "***\n\nSetext\n===\n\n    indented code\n\n~~~js\nlet x = 1;\n~~~\n\n$$\nE = mc^2\n$$\n\n"
        "<!-- members-only -->\n\nAfter the line.",
    ]


def test_existing_posts_come_back_from_the_editor_as_readers_saw_them(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>Round trip</title>")  # no post form: nothing mounts
    page.add_script_tag(
        path=str(Path(__file__).parents[2] / "src/masthead/static/masthead/editor-rich.js")
    )
    texts = corpus()
    back = page.evaluate(
        "(texts) => texts.map((text) => window.MastheadRichEditor.roundTrip(text))", texts
    )
    page.close()
    for original, saved in zip(texts, back, strict=True):
        assert render_markdown(saved) == render_markdown(original), (original, saved)
    # An untouched demo post saves to the same Markdown, apart from its final newline.
    assert back[0] == texts[0] + "\n"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_rich_editor_is_accessible_and_fits_the_width(
    browser, live_server, writer_and_draft, width, tmp_path
):
    publication, writer, draft = writer_and_draft
    draft.body_markdown = (
        "## A heading\n\nSome **bold** text with $x^2$ and a note[^1].\n\n::: pullquote\nPulled.\n:::\n\n"
        '::button[Subscribe now]{kind="subscribe"}\n\n::embed{url="https://vimeo.com/123" caption="Film"}\n\n'
        "$$\na^2 + b^2\n$$\n\n<!-- paywall -->\n\nAfter.\n\n[^1]: The note."
    )
    draft.save(update_fields=["body_markdown"])
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("desk:post_edit", args=[publication.slug, draft.id]))
    page.locator(".rich-editor__content").wait_for()
    expect(page.get_by_text("Embed from vimeo.com")).to_be_visible()
    # The toolbar is one tab stop; arrow keys move along it, and marks say whether they are on.
    bold = toolbar(page, "Bold")
    bold.focus()
    page.keyboard.press("ArrowRight")
    expect(toolbar(page, "Italic")).to_be_focused()
    expect(toolbar(page, "Italic")).to_have_attribute("tabindex", "0")
    expect(bold).to_have_attribute("aria-pressed", "false")
    toolbar(page, "Link").click()
    expect(page.get_by_role("group", name="Link")).to_be_visible()
    assert_accessible(page)  # with the link form open
    page.keyboard.press("Escape")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    save_screenshot(page, tmp_path / f"rich-editor-{width}.png")  # copied to $MASTHEAD_SHOTS
    # The Markdown view shows the source and back.
    toolbar(page, "Edit as Markdown").click()
    expect(page.locator("textarea[name=body_markdown]")).to_be_focused()
    assert_no_horizontal_scroll(page)
    toolbar(page, "Edit as Markdown").click()
    expect(page.locator("textarea[name=body_markdown]")).to_have_attribute("aria-hidden", "true")
    context.close()


def test_the_forms_image_and_paywall_buttons_insert_into_the_rich_text(
    browser, live_server, writer_and_draft, photos, uploads
):
    publication, writer, draft = writer_and_draft
    draft.body_markdown = "First paragraph.\n\nSecond paragraph."
    draft.save(update_fields=["body_markdown"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("desk:post_edit", args=[publication.slug, draft.id]))
    editor = page.locator(".rich-editor__content")
    editor.get_by_text("First paragraph.").click()
    page.keyboard.press("End")

    image_form = page.get_by_role("group", name="Insert an image")
    image_form.get_by_label("Image file").set_input_files(photos[0])
    image_form.get_by_label("Description (alt text)").fill("A test photo")
    image_form.get_by_role("button", name="Insert image").click()
    editor.get_by_role("img", name="A test photo").wait_for()
    markdown = markdown_of(page)
    src = re.search(r"!\[A test photo\]\((/media/[^)]+)\)", markdown).group(1)
    uploads.append(src.removeprefix("/media/"))
    assert markdown == f"First paragraph.\n\n![A test photo]({src})\n\nSecond paragraph.\n"

    # Markdown pasted as plain text becomes the blocks it describes.
    editor.get_by_text("Second paragraph.").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.evaluate(PASTE_TEXT, "## Pasted section\n\n- one\n- two")
    expect(editor.locator("h2")).to_have_text("Pasted section")
    assert markdown_of(page).endswith("Second paragraph.\n\n## Pasted section\n\n- one\n- two\n")

    # An image dropped on a paragraph is uploaded and goes after it (before, at its start).
    page.evaluate(GIVE_IMAGE, ["drop", "dropped_map.png"])
    editor.get_by_role("img", name="dropped map").wait_for()
    dropped = re.search(r"!\[dropped map\]\((/media/[^)]+)\)", markdown_of(page)).group(1)
    uploads.append(dropped.removeprefix("/media/"))
    assert markdown_of(page).startswith(
        f"First paragraph.\n\n![dropped map]({dropped})\n\n![A test"
    )

    # The paywall goes where the cursor is; inserting it again moves it.
    editor.get_by_text("Second paragraph.").click()
    page.keyboard.press("Home")
    page.get_by_role("button", name="Insert paywall").click()
    assert "<!-- paywall -->\n\nSecond paragraph." in markdown_of(page)
    editor.get_by_text("First paragraph.").click()
    page.keyboard.press("End")
    page.get_by_role("button", name="Insert paywall").click()
    markdown = markdown_of(page)
    assert markdown.count("<!-- paywall -->") == 1
    assert (
        markdown.index("First paragraph.")
        < markdown.index("<!-- paywall -->")
        < markdown.index("![")
    )
    context.close()
