"""The WordPress (WXR) reader: posts and pages out of built exports, and refusals of bad files."""

import datetime as dt
import tracemalloc
import zipfile
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.importers.archives import open_export
from masthead.importers.source import ExportError, LineKind, PostKind, PostState
from masthead.importers.wordpress import WordPressReader
from masthead.importers.wordpress.content import Attachment, prepare_content
from tests.importers.wordpress_export import (
    DRAFT_ID,
    IMAGE_BASE_URL,
    MENU_ITEM_ID,
    PAGE_ID_START,
    TRASHED_ID,
    build_wxr,
    image_url,
    post_slug,
    wxr_document,
    wxr_item,
)

UTC = dt.UTC


@contextmanager
def opened(*paths):
    with open_export(list(paths)) as files:
        yield WordPressReader(files)


def read_site(*paths):
    """(check lines, count, posts by source id, report lines) as the importer calls them."""
    with opened(*paths) as reader:
        checked = reader.check()
        count = reader.count()
        posts = {post.source_id: post for post in reader.posts()}
        return checked, count, posts, reader.report_lines()


def write_items(tmp_path, *items, name="site.xml", **document_options):
    path = tmp_path / name
    path.write_text(wxr_document(items, **document_options), encoding="utf-8")
    return path


def read_items(tmp_path, *items, **document_options):
    return read_site(write_items(tmp_path, *items, **document_options))


def reasons(lines, item=None):
    return [line.reason for line in lines if item is None or line.item == item]


def refusal(tmp_path, content: bytes | str, name="site.xml") -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with opened(path) as reader, pytest.raises(ExportError) as raised:
        reader.check()
    return str(raised.value)


@pytest.fixture
def site(tmp_path):
    return read_site(build_wxr(tmp_path / "example.WordPress.2024-01-01.xml"))


# The built site


def test_count_holds_posts_pages_and_the_draft_but_nothing_skipped(site):
    _checked, count, posts, _lines = site
    assert count == {"posts": 5, "subscribers": 0, "deliveries": 0}
    assert set(posts) == {"1", "2", "3", str(PAGE_ID_START), str(DRAFT_ID)}


def test_a_published_post_keeps_its_title_dates_authors_and_addresses(site):
    post = site[2]["1"]
    assert (post.title, post.slug, post.kind, post.state) == (
        "Post 1: Hello world",
        post_slug(1),
        PostKind.POST,
        PostState.PUBLISHED,
    )
    assert post.published_at == dt.datetime(2021, 3, 4, 10, 0, tzinfo=UTC)
    assert post.updated_at == dt.datetime(2021, 3, 5, 8, 0, tzinfo=UTC)
    assert post.subtitle == "The short story of post 1."
    assert [(a.name, a.email) for a in post.authors] == [("Ada Okafor", "ada@example.com")]
    assert post.old_paths == [f"/2021/03/04/{post_slug(1)}/", "/?p=1"]


def test_the_first_real_category_is_the_section_and_the_rest_are_tags(site):
    posts = site[2]
    assert (posts["1"].section, posts["1"].tags) == ("News", ["Python", "Tag 1"])
    # "Uncategorized" is WordPress's default, never a section nor a tag.
    assert (posts["2"].section, posts["2"].tags) == ("Essays", ["Python", "Tag 2"])


def test_the_featured_image_is_the_cover_and_among_the_images_to_copy(site):
    post = site[2]["2"]
    assert post.cover_image_url == image_url(IMAGE_BASE_URL, 2)
    assert post.image_urls == [image_url(IMAGE_BASE_URL, 2)]  # cover and body: listed once


def test_a_caption_shortcode_becomes_a_captioned_image_alone_in_its_paragraph(site):
    body = site[2]["2"].body_markdown
    image = f'![Alt text 2]({image_url(IMAGE_BASE_URL, 2)} "A caption for image 2")'
    assert f"\n\n{image}\n\n" in body
    assert "[caption" not in body and "[/caption]" not in body


def test_a_gallery_shortcode_becomes_its_images_side_by_side_in_one_paragraph(site):
    post = site[2]["1"]
    gallery = "".join(f"![Alt text {n}]({image_url(IMAGE_BASE_URL, n)})" for n in (1, 2, 3))
    assert post.body_markdown.rstrip().endswith(gallery)
    assert post.image_urls == [image_url(IMAGE_BASE_URL, n) for n in (1, 2, 3)]


def test_text_without_p_tags_gets_paragraphs_and_line_breaks_as_wordpress_shows_it(site):
    body = site[2]["3"].body_markdown
    first, _image, last = body.strip().split("\n\n")
    assert first.endswith("\\\nA second line.")  # a single newline is a hard line break
    assert last == "Last paragraph, with **bold** text."


def test_a_page_is_a_page_and_keeps_its_page_id_address(site):
    page = site[2][str(PAGE_ID_START)]
    assert (page.kind, page.slug, page.title) == (PostKind.PAGE, "about-1", "About 1")
    assert page.old_paths == ["/about-1/", f"/?p={PAGE_ID_START}", f"/?page_id={PAGE_ID_START}"]


def test_a_draft_takes_its_local_date_as_utc_and_a_slug_from_its_title(site):
    draft = site[2][str(DRAFT_ID)]
    assert draft.state == PostState.DRAFT
    assert draft.slug == "unfinished-thoughts"
    assert draft.published_at == dt.datetime(2021, 4, 1, 12, 30, tzinfo=UTC)
    assert draft.old_paths == [f"/?p={DRAFT_ID}"]


def test_trashed_posts_and_menu_entries_are_skipped_with_a_line_from_check(site):
    checked = site[0]
    skipped = {line.item: line.reason for line in checked if line.kind == LineKind.SKIPPED}
    assert "trash" in skipped[f"post {TRASHED_ID}.deleted__trashed"]
    assert "menu entry" in skipped[f"nav_menu_item {MENU_ITEM_ID}.{MENU_ITEM_ID}"]
    assert not any(item.startswith("attachment") for item in skipped)


def test_comments_are_counted_in_a_warning_and_never_become_subscribers(tmp_path):
    path = build_wxr(tmp_path / "site.xml")
    with opened(path) as reader:
        checked = reader.check()
        assert list(reader.subscribers()) == [] and list(reader.deliveries()) == []
    assert reasons(checked, f"post 1.{post_slug(1)}") == ["2 comments were not imported."]
    assert reasons(checked, f"post 2.{post_slug(2)}") == []


def test_iterating_twice_yields_the_same_posts_and_reports_them_once(tmp_path):
    path = build_wxr(tmp_path / "site.xml")
    with opened(path) as reader:
        reader.check()
        first = list(reader.posts())
        lines = reader.report_lines()
        assert list(reader.posts()) == first
        assert reader.report_lines() == lines
    assert reasons(lines, f"post 1.{post_slug(1)}") == ["2 comments were not imported."]


# Statuses and types


@pytest.mark.parametrize(
    ("status", "password", "state", "warning"),
    [
        ("publish", "", PostState.PUBLISHED, None),
        ("future", "", PostState.SCHEDULED, None),
        ("draft", "", PostState.DRAFT, None),
        ("pending", "", PostState.DRAFT, None),
        ("private", "", PostState.DRAFT, "private"),
        ("publish", "secret", PostState.DRAFT, "password-protected"),
        ("some-plugin-status", "", PostState.DRAFT, "unknown"),
    ],
)
def test_statuses_map_to_states(tmp_path, status, password, state, warning):
    item = wxr_item(post_id=7, title="Status", slug="status", status=status, password=password)
    checked, _count, posts, _lines = read_items(tmp_path, item)
    assert posts["7"].state == state
    found = reasons(checked, "post 7.status")
    assert (found == []) if warning is None else (warning in found[0] and len(found) == 1)


def test_a_scheduled_post_keeps_its_future_date(tmp_path):
    item = wxr_item(post_id=7, status="future", date="2031-01-02 03:04:05")
    assert read_items(tmp_path, item)[2]["7"].published_at == dt.datetime(
        2031, 1, 2, 3, 4, 5, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("pub_date", "published_at"),
    [
        ("Thu, 04 Mar 2021 11:00:00 +0100", dt.datetime(2021, 3, 4, 10, 0, tzinfo=UTC)),
        ("Mon, 30 Nov -0001 00:00:00 +0000", None),  # what WordPress writes for drafts
    ],
)
def test_without_wordpress_dates_the_rss_date_is_used_when_it_is_real(
    tmp_path, pub_date, published_at
):
    item = wxr_item(post_id=7, date="", date_gmt="0000-00-00 00:00:00", pub_date=pub_date)
    assert read_items(tmp_path, item)[2]["7"].published_at == published_at


@pytest.mark.parametrize(
    ("post_type", "status", "reason"),
    [
        ("post", "auto-draft", "automatic draft"),
        ("revision", "inherit", "revision"),
        ("wp_block", "publish", "reusable block"),
        ("product", "publish", "“product”"),
    ],
)
def test_items_that_are_not_posts_are_skipped_with_a_reason(tmp_path, post_type, status, reason):
    item = wxr_item(post_id=7, slug="x", post_type=post_type, status=status)
    checked, count, posts, _lines = read_items(tmp_path, item)
    assert count["posts"] == 0 and posts == {}
    [line] = checked
    assert (line.kind, line.item) == (LineKind.SKIPPED, f"{post_type} 7.x")
    assert reason in line.reason


def test_a_post_with_an_audio_enclosure_is_a_podcast(tmp_path):
    audio = "https://example.com/wp-content/uploads/episode-1.mp3"
    video = "https://example.com/wp-content/uploads/clip.mp4"
    items = [
        wxr_item(post_id=1, slug="ep", meta=[("enclosure", f"{audio}\n123456\naudio/mpeg\n")]),
        wxr_item(post_id=2, slug="clip", meta=[("enclosure", f"{video}\n99\nvideo/mp4\n")]),
    ]
    posts = read_items(tmp_path, *items)[2]
    assert (posts["1"].kind, posts["1"].audio_url) == (PostKind.PODCAST, audio)
    assert (posts["2"].kind, posts["2"].audio_url) == (PostKind.POST, "")


# Slugs, titles, excerpts


def test_a_repeated_slug_gets_a_number_and_a_warning(tmp_path):
    items = [wxr_item(post_id=n, title="Same", slug="same") for n in (1, 2, 3)]
    _checked, _count, posts, lines = read_items(tmp_path, *items)
    assert [posts[n].slug for n in "123"] == ["same", "same-2", "same-3"]
    assert "became “same-2”" in reasons(lines, "post 2.same")[0]


def test_a_percent_encoded_slug_without_latin_letters_falls_back_to_the_post_id(tmp_path):
    item = wxr_item(post_id=7, title="Привет", slug="%d0%bf%d1%80%d0%b8%d0%b2%d0%b5%d1%82")
    post = read_items(tmp_path, item)[2]["7"]
    assert (post.slug, post.title) == ("post-7", "Привет")


def test_titles_lose_entities_and_tags_and_long_excerpts_are_shortened(tmp_path):
    excerpt = "<p>" + "word " * 200 + "</p>"
    item = wxr_item(post_id=7, title="Tom &amp; <em>Jerry</em>", slug="t", excerpt=excerpt)
    post = read_items(tmp_path, item)[2]["7"]
    assert post.title == "Tom & Jerry"
    assert len(post.subtitle) <= 300 and post.subtitle.endswith("word…")


def test_an_author_missing_from_the_author_list_keeps_the_login(tmp_path):
    item = wxr_item(post_id=7, creator="ghostwriter")
    post = read_items(tmp_path, item)[2]["7"]
    assert [(a.name, a.email) for a in post.authors] == [("ghostwriter", "")]


def test_a_site_in_a_folder_keeps_the_folder_in_old_paths(tmp_path):
    site = "https://example.com/blog"
    item = wxr_item(post_id=7, slug="hi", link=f"{site}/2021/03/04/hi/")
    post = read_items(tmp_path, item, site_url=site)[2]["7"]
    assert post.old_paths == ["/blog/2021/03/04/hi/", "/blog/?p=7"]


# Content


def convert(tmp_path, content, *extra_items, post_id=7):
    items = [wxr_item(post_id=post_id, slug="c", content=content), *extra_items]
    _checked, _count, posts, lines = read_items(tmp_path, *items)
    return posts[str(post_id)], lines


def test_gutenberg_blocks_lose_their_comments_and_more_is_not_a_paywall(tmp_path):
    content = (
        "<!-- wp:paragraph -->\n<p>Before.</p>\n<!-- /wp:paragraph -->\n\n"
        "<!-- wp:more -->\n<!--more-->\n<!-- /wp:more -->\n\n"
        '<!-- wp:paragraph {"align":"center"} -->\n<p>After.</p>\n<!-- /wp:paragraph -->'
    )
    post, _lines = convert(tmp_path, content)
    assert post.body_markdown.strip() == "Before.\n\nAfter."


def test_a_paywall_comment_in_wordpress_content_is_not_masthead_s_paywall(tmp_path):
    post, _lines = convert(tmp_path, "Free.\n\n<!-- paywall -->\n\nAlso free.")
    assert "paywall" not in post.body_markdown
    assert post.body_markdown.strip() == "Free.\n\nAlso free."


def test_embeds_bare_urls_audio_and_video_become_links(tmp_path):
    content = (
        "[embed]https://www.youtube.com/watch?v=abc[/embed]\n\n"
        "https://twitter.com/example/status/1\n\n"
        '[audio src="https://example.com/a.mp3"][/audio]\n\n'
        '[video mp4="https://example.com/v.mp4"]\n\n'
        "[audio https://example.com/positional.mp3]"
    )
    post, _lines = convert(tmp_path, content)
    for url in (
        "https://www.youtube.com/watch?v=abc",
        "https://twitter.com/example/status/1",
        "https://example.com/a.mp3",
        "https://example.com/v.mp4",
        "https://example.com/positional.mp3",
    ):
        assert f"]({url})" in post.body_markdown
    assert "[embed" not in post.body_markdown and "[audio" not in post.body_markdown


def test_an_unknown_shortcode_is_kept_as_text_with_one_warning_for_all_posts(tmp_path):
    items = [
        wxr_item(post_id=n, slug=f"p{n}", content='Hi [contact-form to="a@example.com"] there.')
        for n in (1, 2)
    ]
    _checked, _count, posts, lines = read_items(tmp_path, *items)
    assert "contact-form" in posts["2"].body_markdown
    warnings = [line for line in lines if "[contact-form]" in line.reason]
    assert [line.item for line in warnings] == ["post 1.p1"]


def test_shortcodes_inside_an_unknown_shortcode_are_still_expanded(tmp_path):
    content = '[column width="1/2"][caption]<img src="https://example.com/a.png" alt="A"> Cap[/caption][/column]'
    post, lines = convert(tmp_path, content)
    assert '![A](https://example.com/a.png "Cap")' in post.body_markdown
    assert post.body_markdown.startswith('\\[column width\\="1/2"\\]')  # text, escaped
    assert post.body_markdown.rstrip().endswith("\\[/column\\]")
    assert any("[column]" in reason for reason in reasons(lines, "post 7.c"))


def test_brackets_in_prose_are_not_taken_for_shortcodes(tmp_path):
    post, lines = convert(tmp_path, "He said [sic] it was fine.")
    assert "sic" in post.body_markdown
    assert reasons(lines) == []


def test_a_gallery_without_ids_shows_the_post_s_attached_images(tmp_path):
    attachments = [
        wxr_item(
            post_id=100 + n,
            slug=f"img-{n}",
            post_type="attachment",
            status="inherit",
            parent=7,
            attachment_url=f"https://example.com/img-{n}.png",
            mime_type="image/png",
        )
        for n in (1, 2)
    ]
    post, _lines = convert(tmp_path, "[gallery]", *attachments)
    assert post.image_urls == ["https://example.com/img-1.png", "https://example.com/img-2.png"]


def test_an_audio_shortcode_without_a_file_plays_the_post_s_attached_audio(tmp_path):
    episode = wxr_item(
        post_id=100,
        slug="episode",
        post_type="attachment",
        status="inherit",
        parent=7,
        attachment_url="https://example.com/episode.mp3",
        mime_type="audio/mpeg",
    )
    post, lines = convert(tmp_path, "Listen:\n\n[audio]", episode)
    assert "](https://example.com/episode.mp3)" in post.body_markdown
    assert reasons(lines, "post 7.c") == []


def test_a_gallery_of_images_missing_from_the_export_is_reported(tmp_path):
    post, lines = convert(tmp_path, 'Text.\n\n[gallery ids="55,56"]')
    assert post.body_markdown.strip() == "Text."
    assert any("55, 56" in reason for reason in reasons(lines, "post 7.c"))


def test_a_featured_image_missing_from_the_export_is_reported(tmp_path):
    item = wxr_item(post_id=7, slug="c", meta=[("_thumbnail_id", "404")])
    _checked, _count, posts, lines = read_items(tmp_path, item)
    assert posts["7"].cover_image_url == ""
    assert "attachment 404" in reasons(lines, "post 7.c")[0]


def test_an_empty_body_is_none(tmp_path):
    post, _lines = convert(tmp_path, "  \n ")
    assert post.body_markdown is None


def prepared(raw, **kwargs):
    options = {"post_id": "1", "attachments": {}, "children": lambda post_id: []} | kwargs
    return prepare_content(raw, **options)


def test_preformatted_text_gets_no_paragraphs_line_breaks_or_shortcodes():
    code = '<pre>line one\n\nline two\n[gallery ids="1"]</pre>'
    html = prepared(f"Intro\n\n{code}\n\nOutro").html
    assert code in html
    assert html.startswith("<p>Intro</p>") and html.endswith("<p>Outro</p>")


def test_an_escaped_shortcode_is_shown_as_written():
    assert prepared("Type [[gallery]] to show images.").html == (
        "<p>Type [gallery] to show images.</p>"
    )


def test_a_shortcode_in_inline_code_is_left_alone():
    html = prepared('Use <code>[gallery ids="1"]</code> here.').html
    assert '<code>[gallery ids="1"]</code>' in html


def test_block_elements_are_not_wrapped_in_paragraphs():
    html = prepared("Text\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\nMore").html
    assert "<p><ul>" not in html and "<p><li>" not in html
    assert html.startswith("<p>Text</p>") and html.endswith("<p>More</p>")


def test_a_caption_with_the_caption_attribute_uses_it():
    raw = '[caption caption="From the attribute"]<img src="https://example.com/a.png" alt="A">[/caption]'
    html = prepared(raw).html.replace("\n", "")
    assert html == (
        '<figure><img src="https://example.com/a.png" alt="A">'
        "<figcaption>From the attribute</figcaption></figure>"
    )


def test_a_gallery_skips_attachments_that_are_not_images():
    attachments = {
        "5": Attachment(url="https://example.com/a.png", mime_type="image/png", parent_id="1"),
        "6": Attachment(
            url="https://example.com/b.pdf", mime_type="application/pdf", parent_id="1"
        ),
    }
    html = prepared("[gallery]", attachments=attachments, children=lambda post_id: ["5", "6"]).html
    assert "a.png" in html and "b.pdf" not in html


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.text(alphabet=st.sampled_from(list("[]/=\"'<>!- \n\tab1pre")), max_size=120))
def test_any_content_converts_without_an_error(tmp_path, content):
    post, _lines = convert(tmp_path, content)
    assert post.source_id == "7"


# Files: several, zipped, refused


def test_several_files_are_read_in_name_order_and_attachments_cross_files(tmp_path):
    cover = "https://example.com/cover.jpg"
    first = write_items(
        tmp_path,
        wxr_item(post_id=1, slug="one", meta=[("_thumbnail_id", "50")]),
        name="site.000.xml",
    )
    second = write_items(
        tmp_path,
        wxr_item(post_id=2, slug="two"),
        wxr_item(
            post_id=50, slug="cover", post_type="attachment", status="inherit", attachment_url=cover
        ),
        name="site.001.xml",
    )
    with opened(second, first) as reader:
        reader.check()
        posts = list(reader.posts())
    assert [post.source_id for post in posts] == ["1", "2"]
    assert posts[0].cover_image_url == cover


def test_a_post_repeated_in_two_files_is_imported_once(tmp_path):
    first = write_items(tmp_path, wxr_item(post_id=1, slug="one"), name="a.xml")
    second = write_items(tmp_path, wxr_item(post_id=1, slug="one"), name="b.xml")
    checked, count, _posts, _lines = read_site(first, second)
    assert count["posts"] == 1
    assert [line.kind for line in checked] == [LineKind.SKIPPED]


def test_a_zip_holding_the_export_is_read(tmp_path):
    xml = build_wxr(tmp_path / "site.xml")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(xml, "export/site.WordPress.2024-01-01.xml")
        zipped.writestr("export/readme.txt", "not xml")
    _checked, count, posts, _lines = read_site(archive)
    assert count["posts"] == 5 and posts["1"].title == "Post 1: Hello world"


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_older_wxr_versions_are_read(tmp_path, version):
    item = wxr_item(post_id=7, slug="old", excerpt="Old excerpt")
    xml = wxr_document([item], version=version)
    assert f"export/{version}/" in xml
    (tmp_path / "old.xml").write_text(xml)
    post = read_site(tmp_path / "old.xml")[2]["7"]
    assert (post.slug, post.subtitle) == ("old", "Old excerpt")


def test_another_xml_file_next_to_the_export_is_skipped_with_a_line(tmp_path):
    export = build_wxr(tmp_path / "site.xml")
    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text(
        '<?xml version="1.0"?><urlset><url><loc>https://example.com/</loc></url></urlset>'
    )
    checked, count, _posts, _lines = read_site(export, sitemap)
    assert count["posts"] == 5
    [line] = [line for line in checked if line.item == "file sitemap.xml"]
    assert line.kind == LineKind.SKIPPED and "not a WordPress export" in line.reason


def test_an_rss_feed_is_not_a_wordpress_export(tmp_path):
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        "<item><title>A post</title></item></channel></rss>"
    )
    message = refusal(tmp_path, feed, name="feed.xml")
    assert message.startswith("“feed.xml” is not a WordPress export (WXR): ")
    assert "Tools → Export" in message


def test_an_atom_feed_is_not_a_wordpress_export(tmp_path):
    atom = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'
    message = refusal(tmp_path, atom, name="atom.xml")
    assert (
        "is not a WordPress export (WXR)" in message
        and "<{http://www.w3.org/2005/Atom}feed>" in message
    )


def test_an_upload_without_xml_is_refused(tmp_path):
    message = refusal(tmp_path, "title,body\n", name="posts.csv")
    assert "not a WordPress export (WXR)" in message and "“posts.csv”" in message


def test_broken_xml_is_refused_with_its_file_and_line(tmp_path):
    xml = wxr_document([wxr_item(post_id=1, slug="one")]).replace("</wp:post_name>", "", 1)
    message = refusal(tmp_path, xml, name="broken.xml")
    assert message.startswith("“broken.xml” is not well-formed XML: mismatched tag at line ")


def test_a_cut_short_file_is_refused(tmp_path):
    xml = wxr_document([wxr_item(post_id=1, slug="one")])
    message = refusal(tmp_path, xml[: len(xml) // 2], name="cut.xml")
    assert "“cut.xml” is not well-formed XML" in message


def test_a_billion_laughs_file_is_refused_before_expanding_anything(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    xml = f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entities}]>\n<rss><channel><title>&lol9;</title></channel></rss>'
    message = refusal(tmp_path, xml, name="laughs.xml")
    assert message.startswith(
        "“laughs.xml” contains XML entity declarations, which an import does not read"
    )


def test_an_external_entity_file_is_refused_without_reading_the_entity(tmp_path):
    xml = wxr_document([wxr_item(post_id=1, title="&xxe;")]).replace(
        "<rss ", '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<rss ', 1
    )
    message = refusal(tmp_path, xml, name="xxe.xml")
    assert "contains XML entity declarations, which an import does not read" in message


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02garbage",
        b'<?xml version="1.0" encoding="x-nothing"?><rss/>',
        b"\xff\xfe<\x00",
    ],
)
def test_unreadable_files_are_refused_with_export_error(tmp_path, content):
    assert "“bad.xml”" in refusal(tmp_path, content, name="bad.xml")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0, max_value=4000), junk=st.binary(max_size=20))
def test_a_damaged_export_only_ever_raises_export_error(tmp_path, cut, junk):
    xml = wxr_document(
        [wxr_item(post_id=1, slug="one", content="Hi [caption]x[/caption]")]
    ).encode()
    path = tmp_path / "damaged.xml"
    path.write_bytes(xml[:cut] + junk + xml[cut:])
    try:
        with opened(path) as reader:
            reader.check()
            list(reader.posts())
    except ExportError:
        pass


def test_a_big_export_is_streamed_not_held_whole(tmp_path):
    padding = "Some words to make the post long. " * 600  # about 20 KB a post
    items = [wxr_item(post_id=n, slug=f"p{n}", content=padding) for n in range(1, 301)]
    path = write_items(tmp_path, *items)
    assert path.stat().st_size > 6_000_000
    with opened(path) as reader:
        tracemalloc.start()
        try:
            reader.check()
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert reader.count()["posts"] == 300
    assert peak < 2_000_000
