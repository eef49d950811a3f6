"""Downloading an export's remote images: stored once by content, or kept as a link with a reason."""

import io
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from masthead.importers import media
from masthead.importers.media import fetch_image, fetch_images


def make_image(image_format: str, size=(40, 30), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format)
    return buffer.getvalue()


def make_animated_gif() -> bytes:
    colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (20, 20), color) for color in colors]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


PNG = make_image("PNG")
JPEG = make_image("JPEG")
WEBP = make_image("WEBP")
GIF = make_animated_gif()
LARGE_PNG = make_image("PNG", size=(300, 300)) + b"\x00" * 200_000  # padding after IEND

ROUTES = {
    "/photo.png": (200, "image/png", PNG),
    "/photo.jpg": (200, "image/jpeg", JPEG),
    "/photo.webp": (200, "image/webp", WEBP),
    "/copy-of-photo.png": (200, "image/png", PNG),
    "/animated.gif": (200, "image/gif", GIF),
    "/unlabelled": (200, "application/octet-stream", PNG),
    "/page.html": (200, "text/html; charset=utf-8", b"<html><body>Sign in</body></html>"),
    "/fake.png": (200, "image/png", b"<html>not really</html>"),
    "/drawing.svg": (200, "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    "/missing.png": (404, "text/html", b"Not found"),
    "/forbidden.png": (403, "text/html", b"Forbidden"),
    "/down.png": (503, "text/html", b"Unavailable"),
    "/large.png": (200, "image/png", LARGE_PNG),
    "/photo.bmp": (200, "image/bmp", make_image("BMP")),
}


class ImageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        hits = self.server.hits
        hits[self.path] += 1
        if self.path == "/flaky.png":
            if hits[self.path] == 1:
                return self.reply(500, "text/plain", b"oops")
            return self.reply(200, "image/png", PNG)
        if self.path == "/slow.png":
            time.sleep(1.2)
            return self.reply(200, "image/png", PNG)
        if self.path == "/huge-canvas.png":
            buffer = io.BytesIO()
            Image.new("1", (8000, 6000)).save(buffer, "PNG")  # 48 megapixels, a few KB
            return self.reply(200, "image/png", buffer.getvalue())
        if self.path == "/large-unannounced.png":
            return self.reply(200, "image/png", LARGE_PNG, announce_length=False)
        if self.path == "/trickle.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            for byte in PNG[:30]:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
            return None
        if self.path.startswith("/redirect/"):
            left = int(self.path.rsplit("/", 1)[1])
            target = "/photo.png" if left <= 1 else f"/redirect/{left - 1}"
            return self.redirect(target)
        if self.path == "/to-ftp":
            return self.redirect("ftp://example.com/photo.png")
        if self.path == "/to-other-server":
            return self.redirect(f"{self.server.other_base}/photo.png")
        status, content_type, body = ROUTES.get(self.path, (404, "text/plain", b"no"))
        return self.reply(status, content_type, body)

    def reply(self, status, content_type, body, announce_length=True):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if announce_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the slow handlers write to sockets the client has already given up on


def start_server():
    server = QuietServer(("127.0.0.1", 0), ImageHandler)
    server.hits = Counter()
    server.other_base = ""
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@pytest.fixture
def server():
    running = start_server()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(autouse=True)
def media_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"
    settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = True
    return settings


def stored_files(settings) -> list:
    return sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())


# Stored


@pytest.mark.parametrize(
    ("path", "body", "extension"),
    [
        ("/photo.png", PNG, "png"),
        ("/photo.jpg", JPEG, "jpg"),
        ("/photo.webp", WEBP, "webp"),
        ("/unlabelled", PNG, "png"),
    ],
)
def test_an_image_is_stored_by_its_content(server, media_settings, path, body, extension):
    result = fetch_image(server.base + path, folder="imports/7")

    assert result.problem == ""
    assert result.url == server.base + path
    [stored] = stored_files(media_settings)
    assert stored.read_bytes() == body
    assert stored.suffix == f".{extension}"
    assert len(stored.stem) == 32
    assert result.stored_url == f"/media/imports/7/{stored.name}"


def test_an_animated_gif_is_kept_byte_for_byte(server, media_settings):
    result = fetch_image(server.base + "/animated.gif", folder="imports")

    [stored] = stored_files(media_settings)
    assert result.stored_url.endswith(".gif")
    assert stored.read_bytes() == GIF
    with Image.open(stored) as image:
        assert image.n_frames == 3


def test_importing_twice_stores_one_copy(server, media_settings):
    first = fetch_image(server.base + "/photo.png", folder="imports")
    second = fetch_image(server.base + "/copy-of-photo.png", folder="imports")

    assert first.stored_url == second.stored_url != ""
    assert len(stored_files(media_settings)) == 1


def test_fetch_images_fetches_each_url_once(server, media_settings):
    photo, jpeg = server.base + "/photo.png", server.base + "/photo.jpg"

    results = fetch_images([photo, jpeg, photo, photo], folder="imports")

    assert list(results) == [photo, jpeg]
    assert all(result.stored_url for result in results.values())
    assert server.hits["/photo.png"] == 1
    assert len(stored_files(media_settings)) == 2


# Kept as links


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/page.html", "not an image (text/html)"),
        ("/fake.png", "not an image (image/png)"),
        ("/drawing.svg", "not an image (image/svg+xml)"),
        ("/photo.bmp", "not an image (image/bmp)"),
        ("/huge-canvas.png", "larger than 40 megapixels"),
        ("/missing.png", "HTTP 404"),
    ],
)
def test_what_is_not_an_image_stays_a_link(server, media_settings, path, problem):
    result = fetch_image(server.base + path, folder="imports")

    assert result.problem == problem
    assert result.stored_url == ""
    assert stored_files(media_settings) == []


def test_a_client_error_is_not_retried(server):
    result = fetch_image(server.base + "/forbidden.png", folder="imports")

    assert result.problem == "HTTP 403"
    assert server.hits["/forbidden.png"] == 1


def test_a_server_error_is_retried_once(server):
    result = fetch_image(server.base + "/down.png", folder="imports")

    assert result.problem == "HTTP 503"
    assert server.hits["/down.png"] == 2


def test_a_retry_after_a_server_error_can_succeed(server, media_settings):
    result = fetch_image(server.base + "/flaky.png", folder="imports")

    assert result.problem == ""
    assert result.stored_url
    assert server.hits["/flaky.png"] == 2


def test_a_slow_server_times_out_after_one_retry(server, media_settings):
    media_settings.IMPORT_IMAGE_TIMEOUT = 0.5

    result = fetch_image(server.base + "/slow.png", folder="imports")

    assert result.problem == "timed out after 0.5 s"
    assert server.hits["/slow.png"] == 2
    assert stored_files(media_settings) == []


def test_a_trickling_server_meets_the_overall_deadline(server, media_settings):
    media_settings.IMPORT_IMAGE_TIMEOUT = 0.5
    started = time.monotonic()

    result = fetch_image(server.base + "/trickle.png", folder="imports")

    assert result.problem == "timed out after 1.5 s in all"
    assert time.monotonic() - started < 2.5


def test_a_body_announced_too_large_is_not_downloaded(server, media_settings):
    media_settings.IMPORT_IMAGE_MAX_BYTES = 10_000

    result = fetch_image(server.base + "/large.png", folder="imports")

    assert result.problem == "larger than 9.8 KB"
    assert stored_files(media_settings) == []


def test_a_body_growing_too_large_while_streamed_is_refused(server, media_settings):
    media_settings.IMPORT_IMAGE_MAX_BYTES = 10_000

    result = fetch_image(server.base + "/large-unannounced.png", folder="imports")

    assert result.problem == "larger than 9.8 KB"


def test_an_image_within_the_cap_is_stored(server, media_settings):
    media_settings.IMPORT_IMAGE_MAX_BYTES = len(LARGE_PNG)

    result = fetch_image(server.base + "/large-unannounced.png", folder="imports")

    assert result.problem == ""


# Redirects and addresses


def test_up_to_three_redirects_are_followed(server):
    result = fetch_image(server.base + "/redirect/3", folder="imports")

    assert result.problem == ""
    assert result.stored_url
    assert server.hits["/photo.png"] == 1


def test_a_fourth_redirect_is_not_followed(server):
    result = fetch_image(server.base + "/redirect/4", folder="imports")

    assert result.problem == "more than 3 redirects"
    assert server.hits["/photo.png"] == 0


def test_a_redirect_to_another_scheme_is_refused(server):
    result = fetch_image(server.base + "/to-ftp", folder="imports")

    assert result.problem == "redirected to a link that is not http or https"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/a.png", "file:///etc/passwd", "javascript:alert(1)", "a.png"]
)
def test_only_http_links_are_fetched(url):
    assert fetch_image(url, folder="imports").problem == "not an http or https link"


def test_an_unreachable_host_is_retried_then_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    result = fetch_image(f"http://127.0.0.1:{port}/photo.png", folder="imports")

    assert result.problem == "could not connect to the host"


@pytest.mark.parametrize(
    "url", ["http://", "http://[::1/a.png", "http://exa mple.com/a.png", "https://a..b/x.png"]
)
def test_a_malformed_link_stays_a_link(url):
    assert fetch_image(url, folder="imports").problem == "not a valid link"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_private_host_is_refused(server, media_settings, host):
    media_settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = False
    url = server.base.replace("127.0.0.1", host) + "/photo.png"

    result = fetch_image(url, folder="imports")

    assert result.problem == "host is a private address"
    assert server.hits["/photo.png"] == 0
    assert stored_files(media_settings) == []


def test_each_redirect_target_is_checked_again(server, media_settings, monkeypatch):
    media_settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = False
    private = start_server()
    server.other_base = private.base
    check = media._refuse_private_peer

    def treat_only_the_second_server_as_private(sock):
        if sock.getpeername()[1] == private.server_address[1]:
            check(sock)

    monkeypatch.setattr(media, "_refuse_private_peer", treat_only_the_second_server_as_private)
    try:
        result = fetch_image(server.base + "/to-other-server", folder="imports")
    finally:
        private.shutdown()
        private.server_close()

    assert result.problem == "host is a private address"
    assert server.hits["/to-other-server"] == 1
    assert private.hits["/photo.png"] == 0


@pytest.mark.parametrize(
    ("address", "is_public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
    ],
)
def test_which_addresses_count_as_public(address, is_public):
    assert media.is_public_address(address) is is_public
