"""A real HTTP server on loopback that receives webhooks in tests: it records every request and
answers with the next scripted reply (200 once the script runs out)."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: str


class Receiver:
    def __init__(self):
        self.requests: list[Received] = []
        # Replies, used in order: an int status, "hang" (answer after hang_seconds) or
        # ("redirect", location).
        self.script: list = []
        self.hang_seconds = 1.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                reply = receiver.script.pop(0) if receiver.script else 200
                if reply == "hang":
                    time.sleep(receiver.hang_seconds)
                    reply = 200
                if isinstance(reply, tuple):
                    self.send_response(302)
                    self.send_header("Location", reply[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = b"ok" if reply < 300 else b"nope"
                self.send_response(reply)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
