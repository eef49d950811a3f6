"""Gmail clips long emails: how big a newsletter's HTML is, and the warning to show its writer.

Gmail shows the first 102 KB of a message's HTML part and hides the rest behind "[Message
clipped] View entire message" (with the unsubscribe link and the open-tracking image, which sit
at the end). It counts the HTML as decoded, so the size here is the UTF-8 length of the HTML part
one recipient gets: after tracking has rewritten the links and with the per-recipient values
filled in, before quoted-printable encoding (which the transfer adds and Gmail takes off).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Func, IntegerField, Value
from django.db.models.functions import Replace

from masthead.delivery.messages import (
    DELIVERY_TOKEN,
    UNSUBSCRIBE_URL,
    add_tracking,
    is_sent_as_preview,
    render_newsletter_html,
)
from masthead.delivery.services.fan_out import is_tracking_on
from masthead.delivery.tracking import tracking_token
from masthead.publications.links import site_path
from masthead.subscriptions.models import Subscription
from masthead.subscriptions.services import unsubscribe_token

KB = 1024
CLIP_BYTES = 102 * KB
NEAR_BYTES = 90 * KB  # from here on a few more paragraphs or links push the email over
SAMPLE_ID = 10_000_000  # ids of a grown publication: tokens as long as most readers get


@dataclass(frozen=True)
class ClipNotice:
    size: int
    is_over: bool

    @property
    def kb(self) -> int:
        return round(self.size / KB)

    @property
    def limit_kb(self) -> int:
        return CLIP_BYTES // KB


def clip_notice(size: int | None) -> ClipNotice | None:
    """The warning for an email of `size` bytes of HTML, or None when it is far from clipped."""
    if size is None or size < NEAR_BYTES:
        return None
    return ClipNotice(size=size, is_over=size > CLIP_BYTES)


def sample_recipient_values() -> dict[str, str]:
    """What fills each placeholder for one recipient, at the length real values have. A tracking
    token is in every link, so it is a real one; the unsubscribe link is in the email once, and
    the install's address stands in for the publication's (a few bytes either way, no query)."""
    unsubscribe_path = site_path(
        "subscriptions:unsubscribe", unsubscribe_token(Subscription(id=SAMPLE_ID))
    )
    return {
        UNSUBSCRIBE_URL: settings.BASE_URL + unsubscribe_path,
        DELIVERY_TOKEN: tracking_token(SAMPLE_ID),
    }


def newsletter_html(post) -> str:
    """The HTML part the post's newsletter would have if it went out now, as fan-out builds it:
    what everyone may read (a paid post's preview), with links rewritten when tracking is on."""
    html = render_newsletter_html(post, is_preview=is_sent_as_preview(post))
    if is_tracking_on(post.publication):
        html = add_tracking(html, post.publication).html
    return html


def sent_html_size(html_template: str) -> int:
    """The UTF-8 size of one recipient's copy of a send's HTML (placeholders filled in)."""
    for placeholder, value in sample_recipient_values().items():
        html_template = html_template.replace(placeholder, value)
    return len(html_template.encode("utf-8"))


def newsletter_html_size(post) -> int:
    """How many bytes of HTML Gmail gets from this post's newsletter."""
    return sent_html_size(newsletter_html(post))


class Utf8Length(Func):
    """A text's length in bytes (UTF-8), not in characters."""

    function = "OCTET_LENGTH"
    arity = 1
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's length() of a BLOB counts bytes; a TEXT cast to BLOB is its UTF-8 bytes.
        return self.as_sql(compiler, connection, template="LENGTH(CAST(%(expressions)s AS BLOB))")


def sent_html_size_expression(field: str = "html_template") -> Utf8Length:
    """sent_html_size() computed by the database, so a list of sends need not load the HTML."""
    expression = field
    for placeholder, value in sample_recipient_values().items():
        expression = Replace(expression, Value(placeholder), Value(value))
    return Utf8Length(expression)
