"""A downstream system's webhook receiver on loopback, for the enforcement tests: it checks the signature
and the timestamp as a real receiver should, and can fail its first deliveries."""
import hashlib
import hmac
import json
import threading
import time

import pytest

from enforcement import webhooks
from tests.loopback import http_server

SECRET = "s3cret"
MAX_CLOCK_SKEW = 300


@pytest.fixture
def receiver():
    """An HTTP receiver on loopback that checks the signature and the timestamp as a downstream system
    should, and answers 500 to the first `fail` deliveries it is sent."""
    state = {"fail": 0, "received": [], "attempts": 0, "rejected": [], "lock": threading.Lock(), "secret": SECRET}

    def respond(path, headers, body):
        ts = headers.get(webhooks.TIMESTAMP_HEADER, "")
        expected = "sha256=" + hmac.new(state["secret"].encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        offered = headers.get(webhooks.SIGNATURE_HEADER, "").split(",")  # several during a rotation
        fresh = ts.isdigit() and abs(time.time() - int(ts)) <= MAX_CLOCK_SKEW
        with state["lock"]:
            state["attempts"] += 1
            if not (fresh and any(hmac.compare_digest(expected, sig) for sig in offered)):
                state["rejected"].append(body)
                return 401
            if state["fail"] > 0:
                state["fail"] -= 1
                return 500
            state["received"].append({**json.loads(body), "key": headers["Idempotency-Key"]})
            return 200

    with http_server(respond) as base:
        state["url"] = f"{base}/hook"
        yield state
