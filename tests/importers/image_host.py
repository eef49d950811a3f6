"""A local image host for import tests and the import benchmark: no test touches the internet.

GET /images/<anything> answers a small PNG; any other path is a 404.
"""

import contextlib
import http.server
import io
import threading
from collections.abc import Iterator

from PIL import Image


def png_bytes(size=(48, 32), colour=(20, 120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@contextlib.contextmanager
def serving_images() -> Iterator[str]:
    """Serve PNGs on 127.0.0.1 while the block runs; yields the host's base URL."""
    png = png_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if not self.path.startswith("/images/"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
