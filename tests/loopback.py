"""One HTTP server on loopback for the tests that need a real receiver (webhooks, SMS/push gateways)."""
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def http_server(respond):
    """Serve POSTs on 127.0.0.1 (a free port) in a thread; yield its base URL.

    `respond(path, headers, body)` returns the status code, or (status, {header: value}); it runs in the
    server's threads, so it guards its own state with a lock."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = respond(self.path, self.headers, body)
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            self.send_response(status)
            for name, value in {**headers, "Content-Length": "0"}.items():
                self.send_header(name, value)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
