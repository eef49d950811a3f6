"""Builds synthetic WordPress exports (WXR 1.2 files) for tests and benchmarks.

`build_wxr` writes a whole site: posts with categories, tags, featured images, [caption] and
[gallery] shortcodes and comments, pages, a draft, a trashed post, a menu entry and the image
attachments. `wxr_item` and `wxr_document` make any other file a test needs.
"""

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

SITE_URL = "https://example.com"
IMAGE_BASE_URL = "https://example.com/wp-content/uploads/2021/03"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/{version}/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/{version}/",
}
AUTHORS = [
    ("admin", "ada@example.com", "Ada Okafor"),
    ("bram", "bram@example.com", "Bram Lindqvist"),
]
# Ids in the built site: posts 1.., pages 1000001.., attachments 2000001.. (one per post).
DRAFT_ID, TRASHED_ID, MENU_ITEM_ID = 900_000, 900_001, 900_002
PAGE_ID_START, ATTACHMENT_ID_START = 1_000_001, 2_000_001


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wxr_item(
    *,
    post_id: int | str,
    title: str = "A post",
    content: str = "",
    excerpt: str = "",
    post_type: str = "post",
    status: str = "publish",
    slug: str | None = None,
    date: str = "2021-03-04 10:00:00",
    date_gmt: str | None = None,
    modified_gmt: str = "2021-03-05 08:00:00",
    pub_date: str = "Thu, 04 Mar 2021 10:00:00 +0000",
    link: str | None = None,
    creator: str = "admin",
    categories: Sequence[tuple[str, str]] = (),  # (nicename, name)
    tags: Sequence[tuple[str, str]] = (),
    meta: Sequence[tuple[str, str]] = (),
    comments: int = 0,
    password: str = "",
    parent: int | str = 0,
    attachment_url: str = "",
    mime_type: str = "",
) -> str:
    """One <item> as WordPress writes it."""
    slug = (title.lower().replace(" ", "-") if status != "draft" else "") if slug is None else slug
    if link is None:
        link = f"{SITE_URL}/2021/03/04/{slug}/" if slug else f"{SITE_URL}/?p={post_id}"
    parts = [
        f"<title>{escape(title)}</title>",
        f"<link>{escape(link)}</link>",
        f"<pubDate>{pub_date}</pubDate>",
        f"<dc:creator>{cdata(creator)}</dc:creator>",
        f'<guid isPermaLink="false">{SITE_URL}/?p={post_id}</guid>',
        "<description></description>",
        f"<content:encoded>{cdata(content)}</content:encoded>",
        f"<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>",
        f"<wp:post_id>{post_id}</wp:post_id>",
        f"<wp:post_date>{cdata(date)}</wp:post_date>",
        f"<wp:post_date_gmt>{cdata(date if date_gmt is None else date_gmt)}</wp:post_date_gmt>",
        f"<wp:post_modified_gmt>{cdata(modified_gmt)}</wp:post_modified_gmt>",
        "<wp:comment_status>open</wp:comment_status>",
        f"<wp:post_name>{cdata(slug)}</wp:post_name>",
        f"<wp:status>{cdata(status)}</wp:status>",
        f"<wp:post_parent>{parent}</wp:post_parent>",
        "<wp:menu_order>0</wp:menu_order>",
        f"<wp:post_type>{cdata(post_type)}</wp:post_type>",
        f"<wp:post_password>{cdata(password)}</wp:post_password>",
        "<wp:is_sticky>0</wp:is_sticky>",
    ]
    if attachment_url:
        parts.append(f"<wp:attachment_url>{cdata(attachment_url)}</wp:attachment_url>")
    if mime_type:
        parts.append(f"<wp:post_mime_type>{cdata(mime_type)}</wp:post_mime_type>")
    for nicename, name in categories:
        parts.append(f'<category domain="category" nicename="{nicename}">{cdata(name)}</category>')
    for nicename, name in tags:
        parts.append(f'<category domain="post_tag" nicename="{nicename}">{cdata(name)}</category>')
    for key, value in meta:
        parts.append(
            f"<wp:postmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
            f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>"
        )
    for number in range(comments):
        parts.append(
            f"<wp:comment><wp:comment_id>{number + 1}</wp:comment_id>"
            f"<wp:comment_author>{cdata('A reader')}</wp:comment_author>"
            f"<wp:comment_author_email>{cdata(f'reader{number}@example.com')}</wp:comment_author_email>"
            f"<wp:comment_content>{cdata('Nice post!')}</wp:comment_content>"
            "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
        )
    return "<item>\n\t\t" + "\n\t\t".join(parts) + "\n\t</item>"


def wxr_document(
    items: Iterable[str],
    *,
    site_url: str = SITE_URL,
    version: str = "1.2",
    authors: Sequence[tuple[str, str, str]] = AUTHORS,
    categories: Sequence[tuple[str, str]] = (("news", "News"), ("essays", "Essays")),
) -> str:
    """A whole WXR file around `items`."""
    namespaces = " ".join(
        f'xmlns:{prefix}="{uri.format(version=version)}"' for prefix, uri in NAMESPACES.items()
    )
    channel = [
        "<title>Example Site</title>",
        f"<link>{site_url}</link>",
        "<description>Just another WordPress site</description>",
        "<language>en-US</language>",
        f"<wp:wxr_version>{version}</wp:wxr_version>",
        f"<wp:base_site_url>{site_url}</wp:base_site_url>",
        f"<wp:base_blog_url>{site_url}</wp:base_blog_url>",
    ]
    for number, (login, email, name) in enumerate(authors, start=1):
        channel.append(
            f"<wp:author><wp:author_id>{number}</wp:author_id>"
            f"<wp:author_login>{cdata(login)}</wp:author_login>"
            f"<wp:author_email>{cdata(email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(name)}</wp:author_display_name></wp:author>"
        )
    for number, (nicename, name) in enumerate(categories, start=1):
        channel.append(
            f"<wp:category><wp:term_id>{number}</wp:term_id>"
            f"<wp:category_nicename>{cdata(nicename)}</wp:category_nicename>"
            f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>"
        )
    channel.append("<generator>https://wordpress.org/?v=6.4</generator>")
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->\n"
        f'<rss version="2.0" {namespaces}>\n<channel>\n\t'
        + "\n\t".join([*channel, *items])
        + "\n</channel>\n</rss>\n"
    )


def post_slug(number: int) -> str:
    return f"post-{number}-hello-world"


def image_url(image_base_url: str, number: int) -> str:
    return f"{image_base_url.rstrip('/')}/image-{number}.jpg"


def site_items(posts: int, pages: int, image_base_url: str) -> list[str]:
    """The items of the site build_wxr writes, attachments first as WordPress often has them."""
    items = [
        wxr_item(
            post_id=ATTACHMENT_ID_START + number - 1,
            title=f"Image {number}",
            post_type="attachment",
            status="inherit",
            slug=f"image-{number}",
            parent=number,
            attachment_url=image_url(image_base_url, number),
            mime_type="image/jpeg",
            meta=[("_wp_attachment_image_alt", f"Alt text {number}")],
        )
        for number in range(1, posts + 1)
    ]
    for number in range(1, posts + 1):
        items.append(
            wxr_item(
                post_id=number,
                title=f"Post {number}: Hello world",
                slug=post_slug(number),
                content=classic_content(number, posts, image_base_url),
                excerpt=f"The <em>short</em> story of post {number}.",
                creator="admin" if number % 2 else "bram",
                categories=[("news", "News")]
                if number % 2
                else [("uncategorized", "Uncategorized"), ("essays", "Essays")],
                tags=[("python", "Python"), (f"tag-{number}", f"Tag {number}")],
                meta=[
                    ("_thumbnail_id", str(ATTACHMENT_ID_START + number - 1)),
                    ("_edit_last", "1"),
                ],
                comments=2 if number == 1 else 0,
            )
        )
    for number in range(1, pages + 1):
        items.append(
            wxr_item(
                post_id=PAGE_ID_START + number - 1,
                title=f"About {number}",
                slug=f"about-{number}",
                post_type="page",
                link=f"{SITE_URL}/about-{number}/",
                content=f"This is page {number}.\n\nWrite to us at hello@example.com.",
            )
        )
    items.append(
        wxr_item(
            post_id=DRAFT_ID,
            title="Unfinished thoughts",
            status="draft",
            date="2021-04-01 12:30:00",
            date_gmt="0000-00-00 00:00:00",
            content="Just a start.",
        )
    )
    items.append(
        wxr_item(post_id=TRASHED_ID, title="Deleted", status="trash", slug="deleted__trashed")
    )
    items.append(
        wxr_item(post_id=MENU_ITEM_ID, title="", post_type="nav_menu_item", slug=str(MENU_ITEM_ID))
    )
    return items


def classic_content(number: int, posts: int, image_base_url: str) -> str:
    """A classic-editor body: no <p> tags, a [caption] and, in the first post, a [gallery]."""
    attachment = ATTACHMENT_ID_START + number - 1
    text = (
        f"First paragraph of post {number}.\nA second line.\n\n"
        f'[caption id="attachment_{attachment}" align="aligncenter" width="640"]'
        f'<a href="{image_url(image_base_url, number)}"><img class="size-large wp-image-{attachment}" '
        f'src="{image_url(image_base_url, number)}" alt="Alt text {number}" width="640" height="480" /></a>'
        f" A caption for image {number}[/caption]\n\n"
        "Last paragraph, with <strong>bold</strong> text."
    )
    if number == 1:
        ids = ",".join(str(ATTACHMENT_ID_START + n) for n in range(min(posts, 3)))
        text += f'\n\n[gallery ids="{ids}"]'
    return text


def build_wxr(
    path: Path,
    *,
    posts: int = 3,
    pages: int = 1,
    image_base_url: str = IMAGE_BASE_URL,
    extra_items: Iterable[str] = (),
) -> Path:
    """Write a WordPress export of a made-up site at `path`: `posts` published posts, `pages`
    pages, one draft (importable), one trashed post and one menu entry (both skipped), and an
    image attachment per post (its featured image). Returns `path`."""
    path = Path(path)
    items = [*site_items(posts, pages, image_base_url), *extra_items]
    path.write_text(wxr_document(items), encoding="utf-8")
    return path
