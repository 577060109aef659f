"""A receiver on loopback that fails for a while, then recovers, gets every change once and in order."""
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from enforcement import tasks, webhooks
from enforcement.models import DeliveryState, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
SECRET = "s3cret"


@pytest.fixture
def receiver():
    state = {"fail": 3, "received": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ts = self.headers[webhooks.TIMESTAMP_HEADER]
            expected = "sha256=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(expected, self.headers[webhooks.SIGNATURE_HEADER])
            if state["fail"] > 0:
                state["fail"] -= 1
                self.send_response(503)
            else:
                state["received"].append(json.loads(body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()


def test_a_receiver_down_for_a_while_gets_every_change_once_in_order(receiver, record, decide_appeal):
    WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)
    first = record(); record(); record()
    decide_appeal(first, accept=True)
    now = timezone.now()
    for minute in range(0, 120, 2):  # beat's safety net, for two hours
        with time_machine.travel(now + timedelta(minutes=minute), tick=False):
            tasks.deliver_webhooks()
    positions = [m["event_position"] for m in receiver["received"]]
    assert positions == sorted(positions) and len(positions) == len(set(positions))
    assert len(positions) == WebhookDelivery.objects.count() >= 4
    assert not WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists()
    assert receiver["received"][-1]["restrictions"]["public_warning"] is False
    assert WebhookDelivery.objects.order_by("position").first().attempts == 4


def test_signature_covers_timestamp_and_body():
    assert webhooks.sign("k", "1", b"{}") != webhooks.sign("k", "2", b"{}")
