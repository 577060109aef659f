"""Progress of long commands (ingest of a large file, a full recompute): a rich progress bar with the rate
and the time left when the output is a terminal; otherwise nothing while working and one summary line in
the log (logger `metrics.progress`, INFO) at the end, so cron and CI logs stay quiet."""
import logging
import time
from contextlib import contextmanager

logger = logging.getLogger("metrics.progress")


class _Tracker:
    """advance(n, items=k): n units of the total done (bytes of a file, shards), k items (lines, days);
    total= corrects the total once it is known."""

    def __init__(self, progress, task):
        self.progress, self.task = progress, task
        self.items = 0
        self.started = time.perf_counter()

    def advance(self, amount, items=0, total=None):
        self.items += items
        if self.progress is not None:
            rate = self.items / max(time.perf_counter() - self.started, 1e-9)
            extra = {} if total is None else {"total": total}
            self.progress.update(self.task, advance=amount, items=self.items, rate=rate, **extra)


@contextmanager
def track(description, *, total, unit, stream):
    """Yield a tracker; draw a bar on `stream` when it is a terminal, and log `description: N unit in S s
    (R unit/s)` at the end."""
    progress = task = None
    if stream.isatty():
        # Imported here: most runs (cron, CI, the bench) are not on a terminal and need none of it
        # (30-50 ms of start-up, `-X importtime`).
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[items]:,} " + unit + " ({task.fields[rate]:,.0f}/s)"),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=Console(file=stream), transient=False,
        )
        progress.start()
        task = progress.add_task(description, total=total, items=0, rate=0.0)
    tracker = _Tracker(progress, task)
    try:
        yield tracker
    finally:
        if progress is not None:
            progress.stop()
        seconds = time.perf_counter() - tracker.started
        logger.info("%s: %d %s in %.1f s (%.0f %s/s)", description, tracker.items, unit, seconds,
                    tracker.items / max(seconds, 1e-9), unit,
                    extra={"items": tracker.items, "seconds": round(seconds, 3)})
