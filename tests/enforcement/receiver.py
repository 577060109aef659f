"""A downstream system's webhook receiver on loopback, for the enforcement tests: it checks the signature
and the timestamp as a real receiver should, and can fail its first deliveries."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from enforcement import webhooks

SECRET = "s3cret"
MAX_CLOCK_SKEW = 300


@pytest.fixture
def receiver():
    """An HTTP receiver on loopback that checks the signature and the timestamp as a downstream system
    should, and answers 500 to the first `fail` deliveries it is sent."""
    state = {"fail": 0, "received": [], "attempts": 0, "rejected": [], "lock": threading.Lock(), "secret": SECRET}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ts = self.headers.get(webhooks.TIMESTAMP_HEADER, "")
            expected = "sha256=" + hmac.new(state["secret"].encode(), f"{ts}.".encode() + body,
                                            hashlib.sha256).hexdigest()
            offered = self.headers.get(webhooks.SIGNATURE_HEADER, "").split(",")  # several during a rotation
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= MAX_CLOCK_SKEW
            with state["lock"]:
                state["attempts"] += 1
                if not (fresh and any(hmac.compare_digest(expected, sig) for sig in offered)):
                    state["rejected"].append(body)
                    status = 401
                elif state["fail"] > 0:
                    state["fail"] -= 1
                    status = 500
                else:
                    state["received"].append({**json.loads(body), "key": self.headers["Idempotency-Key"]})
                    status = 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()
    server.server_close()
