"""The console's output: replies on stdout, logs on stderr with timestamps, never interleaved.

Each write to stdout is whole and flushed under the same lock the log handlers emit under, so a
log line from another thread (a theming worker, the sender) lands between replies, not inside one.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import TextIO

LOCK = threading.RLock()
TIMESTAMPED = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ConsoleOutput:
    """A text stream whose every write is whole, flushed, and ordered with the log lines."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str, /) -> int:
        with LOCK:
            written = self.stream.write(text)
            self.stream.flush()
            return written

    def flush(self) -> None:
        with LOCK:
            self.stream.flush()


def route_logs(root: logging.Logger | None = None) -> None:
    """Send the root logger's stream handlers to stderr, with a timestamp where their format has
    none, emitting under the console's output lock."""
    for handler in (root or logging.getLogger()).handlers:
        if not isinstance(handler, logging.StreamHandler):
            continue
        if handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
        shown = handler.formatter._fmt if handler.formatter is not None else None
        if not shown or "asctime" not in shown:
            handler.setFormatter(
                logging.Formatter(TIMESTAMPED if not shown else "%(asctime)s " + shown)
            )
        handler.lock = LOCK
