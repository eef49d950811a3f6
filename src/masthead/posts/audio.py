"""Which podcast audio addresses a page may play: http(s) links, and paths of our own uploads.

The editor refuses anything else, and the post page checks again before rendering, because an
import (or an older row) may hold an address the editor never saw.
"""

from urllib.parse import urlsplit

from django.conf import settings

from masthead.posts.models import PostKind

MAX_AUDIO_URL_CHARS = 1000


def is_playable_audio_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) address with a host, or a path under MEDIA_URL."""
    if not isinstance(url, str) or not url or len(url) > MAX_AUDIO_URL_CHARS:
        return False
    # Spaces and control characters have no place in an address; browsers would strip some of
    # them and read what is left differently from us.
    if any(
        character.isspace() or ord(character) < 32 or ord(character) == 127 for character in url
    ):
        return False
    if "\\" in url:
        return False  # browsers read a backslash as a slash: "/media\\..." could leave our host
    media_url = settings.MEDIA_URL or ""
    is_own_upload = (
        media_url.startswith("/")
        and url.startswith(media_url)
        and not url.startswith("//")
        and ".." not in url.split("/")
    )
    if is_own_upload:
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def playable_audio_url(post) -> str:
    """A podcast's audio address if it may be played, else ""."""
    if post.kind != PostKind.PODCAST:
        return ""
    return post.audio_url if is_playable_audio_url(post.audio_url) else ""
