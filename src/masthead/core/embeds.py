"""What a writer's `::embed{url="…"}` becomes: a sandboxed frame for a few known players, an
audio element for a direct audio file, a plain link card for everything else.

No remote script ever runs on our pages: only the hosts in EMBED_FRAME_SOURCES get a frame,
built from an ID read with a strict pattern (never the writer's URL as given), inside a sandbox.
Social posts (X, Bluesky, Mastodon, Instagram, Threads, LinkedIn, TikTok) and any other page
are link cards: their embed code is a script of theirs, and a link tells the reader the same.
An address that is not a plain http(s) URL with a host renders as text, never as a link.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from markdown_it.common.utils import escapeHtml

MAX_URL_LENGTH = 2048
# What a browser drops from a URL (spaces, tabs, newlines) or reads as a path separator.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\<>\"']")
_HTTP_URL = re.compile(r"https?://[^/?#@]", re.IGNORECASE)

YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
# A start time as YouTube writes it in shared links: t=90, t=90s, t=1m30s, t=1h2m3s.
YOUTUBE_TIME = re.compile(r"(?:([0-9]{1,2})h)?(?:([0-9]{1,4})m)?(?:([0-9]{1,6})s?)?")
YOUTUBE_PATH = re.compile(r"/(?:shorts|embed|live|v)/([A-Za-z0-9_-]{11})/?")
VIMEO_PATH = re.compile(r"/(?:video/)?([0-9]{1,12})(?:/([0-9a-f]{6,20}))?/?")
SPOTIFY_PATH = re.compile(
    r"/(?:intl-[a-z]{2}(?:-[a-z]{2})?/)?(?:embed/)?"
    r"(track|album|playlist|episode|show|artist)/([A-Za-z0-9]{22})/?"
)
SOUNDCLOUD_PATH = re.compile(r"/([A-Za-z0-9_-]{1,100})(/[A-Za-z0-9_-]{1,200}){0,2}/?")
AUDIO_SUFFIXES = (".mp3", ".m4a", ".ogg", ".oga", ".wav")

# The frames' sources, exactly; the sanitizer (core.rendering) keeps an iframe's src only when it
# matches one of these, so no other host can get a frame whatever reaches it.
EMBED_FRAME_SOURCES = {
    "youtube": re.compile(
        r"https://www\.youtube-nocookie\.com/embed/[A-Za-z0-9_-]{11}(?:\?start=[0-9]{1,6})?"
    ),
    "vimeo": re.compile(
        r"https://player\.vimeo\.com/video/[0-9]{1,12}\?dnt=1(?:&h=[0-9a-f]{6,20})?"
    ),
    "spotify": re.compile(
        r"https://open\.spotify\.com/embed/(?:track|album|playlist|episode|show|artist)/[A-Za-z0-9]{22}"
    ),
    "soundcloud": re.compile(
        r"https://w\.soundcloud\.com/player/\?url=https%3A%2F%2Fsoundcloud\.com(?:%2F[A-Za-z0-9_-]+){1,3}"
        r"&visual=false"
    ),
}
# The CSP's frame-src must list these hosts (settings.SECURE_CSP), or browsers block the frames.
EMBED_FRAME_HOSTS = (
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://open.spotify.com",
    "https://w.soundcloud.com",
)
FRAME_SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups"
FRAME_ALLOW = "fullscreen; picture-in-picture"
FRAME_REFERRER_POLICY = "strict-origin-when-cross-origin"

SOCIAL_HOSTS = {
    "x.com": "X", "twitter.com": "X", "bsky.app": "Bluesky", "instagram.com": "Instagram",
    "threads.net": "Threads", "threads.com": "Threads", "linkedin.com": "LinkedIn",
    "tiktok.com": "TikTok",
}  # fmt: skip
MASTODON_PATH = re.compile(r"/@[A-Za-z0-9_.]{1,64}(?:@[A-Za-z0-9.-]{1,253})?/[0-9]{1,20}/?")


@dataclass(frozen=True)
class Frame:
    kind: str  # the figure's class: embed-video, embed-spotify, embed-soundcloud
    provider: str  # "YouTube": the frame's title and the link's text name it
    src: str  # the player's address, one of EMBED_FRAME_SOURCES
    link: str  # the page on the provider's site, for the link below the frame and the email
    verb: str  # "Watch" or "Listen"


def safe_url(url: str) -> str | None:
    """The URL when it is a plain http(s) address with a host that a browser reads as written,
    else None."""
    if not url or len(url) > MAX_URL_LENGTH or _UNSAFE_CHARACTERS.search(url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    # user:password@ before a host is only a way to make an address look like another.
    if not _HTTP_URL.match(url) or not parts.hostname or "@" in parts.netloc:
        return None
    return url


def _host(parts) -> str:
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    return host


def find_frame(url: str) -> Frame | None:
    """The sandboxed player for a YouTube, Vimeo, Spotify or SoundCloud address, else None."""
    parts = urlsplit(url)
    host, path = _host(parts), parts.path
    video_id = None
    if host in ("youtube.com", "music.youtube.com", "youtube-nocookie.com"):
        if path.rstrip("/") == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        elif match := YOUTUBE_PATH.fullmatch(path):
            video_id = match.group(1)
    elif host == "youtu.be":
        video_id = path.strip("/")
    if video_id is not None:
        if not YOUTUBE_ID.fullmatch(video_id):
            return None
        start = _youtube_start(parts.query)
        return Frame(
            kind="embed-video",
            provider="YouTube",
            src=f"https://www.youtube-nocookie.com/embed/{video_id}"
            + (f"?start={start}" if start else ""),
            link=f"https://www.youtube.com/watch?v={video_id}" + (f"&t={start}s" if start else ""),
            verb="Watch",
        )
    if host in ("vimeo.com", "player.vimeo.com") and (match := VIMEO_PATH.fullmatch(path)):
        number, private_hash = match.groups()
        private_hash = private_hash or (parse_qs(parts.query).get("h") or [""])[0]
        hash_suffix = f"&h={private_hash}" if re.fullmatch(r"[0-9a-f]{6,20}", private_hash) else ""
        page_suffix = f"/{private_hash}" if hash_suffix else ""
        return Frame(
            kind="embed-video",
            provider="Vimeo",
            src=f"https://player.vimeo.com/video/{number}?dnt=1{hash_suffix}",
            link=f"https://vimeo.com/{number}{page_suffix}",
            verb="Watch",
        )
    if host == "open.spotify.com" and (match := SPOTIFY_PATH.fullmatch(path)):
        kind, item_id = match.groups()
        return Frame(
            kind="embed-spotify" + ("" if kind in ("track", "episode") else " embed-tall"),
            provider="Spotify",
            src=f"https://open.spotify.com/embed/{kind}/{item_id}",
            link=f"https://open.spotify.com/{kind}/{item_id}",
            verb="Listen",
        )
    if host == "soundcloud.com" and SOUNDCLOUD_PATH.fullmatch(path):
        page = "https://soundcloud.com" + path.rstrip("/")
        return Frame(
            kind="embed-soundcloud",
            provider="SoundCloud",
            src=f"https://w.soundcloud.com/player/?url={quote(page, safe='')}&visual=false",
            link=page,
            verb="Listen",
        )
    return None


def _youtube_start(query: str) -> int:
    """The second a shared YouTube link starts at (its t= or start=), 0 for none or nonsense."""
    values = parse_qs(query)
    value = (values.get("t") or values.get("start") or [""])[0]
    match = YOUTUBE_TIME.fullmatch(value)
    if not value or match is None:
        return 0
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return min(hours * 3600 + minutes * 60 + seconds, 999_999)


def is_frame_source(src: str) -> bool:
    """Whether an iframe's src is one this module builds (the sanitizer's check)."""
    return any(pattern.fullmatch(src) for pattern in EMBED_FRAME_SOURCES.values())


def is_audio_file(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(AUDIO_SUFFIXES)


def card_label(url: str) -> str:
    """The name a link card shows for a social post's site, else its host."""
    parts = urlsplit(url)
    host = _host(parts)
    for social_host, name in SOCIAL_HOSTS.items():
        if host == social_host or host.endswith("." + social_host):
            return f"Post on {name}"
    if MASTODON_PATH.fullmatch(parts.path):
        return f"Post on {host}"
    return host


def render_embed(url: str, caption: str) -> str:
    """The HTML of one `::embed` block (see the module docstring); caption is plain text."""
    url = (url or "").strip()
    checked = safe_url(url)
    if checked is None:
        # Never a link, never an error: the writer sees what they typed, as text.
        return f"<p>{escapeHtml(url[:MAX_URL_LENGTH])}</p>\n" if url else ""
    caption_html = escapeHtml(caption.strip())
    frame = find_frame(checked)
    if frame is not None:
        # Each frame's own title (axe: frames on a page need distinct titles).
        title = f"{frame.provider}: {caption_html or escapeHtml(frame.link)}"
        text = f"{frame.verb} on {frame.provider}"
        caption_part = f": {caption_html}" if caption_html else ""
        return (
            f'<figure class="embed {frame.kind}">'
            f'<iframe src="{escapeHtml(frame.src)}" title="{title}" sandbox="{FRAME_SANDBOX}" '
            f'allow="{FRAME_ALLOW}" loading="lazy" referrerpolicy="{FRAME_REFERRER_POLICY}">'
            "</iframe>"
            f'<figcaption><a class="embed-link" href="{escapeHtml(frame.link)}">{text}</a>'
            f"{caption_part}</figcaption></figure>\n"
        )
    href = escapeHtml(checked)
    if is_audio_file(checked):
        caption_part = f": {caption_html}" if caption_html else ""
        return (
            f'<figure class="embed embed-audio"><audio controls preload="none" src="{href}">'
            "</audio>"
            f'<figcaption><a class="embed-link" href="{href}">Listen to the audio</a>'
            f"{caption_part}</figcaption></figure>\n"
        )
    label = escapeHtml(card_label(checked))
    caption_part = f'<span class="embed-card-caption">{caption_html}</span>' if caption_html else ""
    return (
        f'<p class="embed-card-row"><a class="embed-card" href="{href}">'
        f'<span class="embed-card-host">{label}</span>{caption_part}'
        f'<span class="embed-card-url">{href}</span></a></p>\n'
    )
