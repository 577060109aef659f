"""Recording a stricter reference-data version as the law asks (cases.strictness: 7 days' notice): the test
travels to a week before the version applies, records it there, and comes back."""
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

from cases.strictness import NOTICE_DAYS


@contextmanager
def recorded_ahead_of(effective_from):
    """Run the block at noon (platform time) NOTICE_DAYS days before `effective_from`."""
    moment = datetime.combine(effective_from - timedelta(days=NOTICE_DAYS), time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment, tick=False):
        yield
