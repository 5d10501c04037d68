"""One log format for every logger of the process: ours, Bolt's, uvicorn's, discord.py's.

Lines go to stderr as ``2027-01-04T09:00:00.123Z INFO bot.runtime: message`` or, with
``LOG_FORMAT=json``, one JSON object a line (``time``, ``level``, ``logger``, ``message``, and
``exception`` when there is one) for log shippers. Libraries' own handlers are not installed
(uvicorn is started with ``log_config=None``), so their records come here too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "bridgework"

# Loggers that log every SQL statement with its parameters (answer texts) at INFO, the drivers
# at DEBUG: never below WARNING, whatever LOG_LEVEL says.
NEVER_BELOW_WARNING = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "psycopg", "alembic")
# Libraries that narrate routine work at INFO speak at WARNING unless LOG_LEVEL is DEBUG.
QUIET_UNLESS_DEBUG = ("sentence_transformers", "httpx", "uvicorn.access")


class HideLinkTokens(logging.Filter):
    """Take the token out of a dashboard link in a record (uvicorn's access log names paths):
    whoever reads the logs must not be able to open the dashboard with what they find."""

    LINK = re.compile(r"(/dashboard/login/)[^\s\"?]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/dashboard/login/" in message:
            record.msg, record.args = self.LINK.sub(r"\1…", message), None
        return True


HIDE_LINK_TOKENS = HideLinkTokens()


class UTCFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


class JSONFormatter(UTCFormatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, fmt: str = "text", *, stream: TextIO | None = None) -> None:
    """Send every logger's records through one handler on stderr, in ``fmt`` (text | json).

    Where logging is set up already (a host process, a test harness), its handlers are left to
    do the writing and only the levels are set, unless ``stream`` is given."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    if stream is not None or not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(JSONFormatter() if fmt == "json" else UTCFormatter(TEXT_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    numeric = root.level
    for name in NEVER_BELOW_WARNING:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric))
    for name in QUIET_UNLESS_DEBUG:
        logging.getLogger(name).setLevel(min(logging.WARNING, numeric + 10))
    adopt_uvicorn()


def adopt_uvicorn() -> None:
    """Let uvicorn's loggers write through ours (dropping handlers a server of its own set up)."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        if HIDE_LINK_TOKENS not in logger.filters:
            logger.addFilter(HIDE_LINK_TOKENS)
