"""Keep tokens and secrets out of every log line.

slack_sdk redacts the Authorization header in its debug logs, but not response bodies (an OAuth
exchange's ``access_token``) or a Socket Mode URL. ``install`` wraps the log record factory once:
every record's message is rendered and each Slack token (``xoxb-``, ``xoxp-``, ``xapp-`` …) and
each configured secret in it is replaced before any handler sees it. ``bolt_logger`` is the
logger Bolt is given, without the lines of its we do not want.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")
HIDDEN = "[redacted]"

_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """``text`` without Slack tokens or the configured secrets."""
    text = TOKEN.sub(lambda m: f"{m.group(1)}-{HIDDEN}", text)
    for secret in _secrets:
        text = text.replace(secret, HIDDEN)
    return text


def install(secrets: Iterable[str | None] = ()) -> None:
    """Redact tokens, and also ``secrets`` (signing secret, client secret), from all logging."""
    global _installed
    _secrets.update(s for s in secrets if s and len(s) >= 8)
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


class BoltNoise(logging.Filter):
    """Bolt's lines we do not want: the request body it logs on a bad signature (a stranger's
    payload, or a real one replayed), and its warning that the SLACK_BOT_TOKEN it read from the
    environment "will be unused" (we hand it a client built from the same settings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Invalid request signature detected"):
            record.msg = "Invalid request signature detected (request not logged)"
            record.args = None
        return "will be unused" not in message


def bolt_logger() -> logging.Logger:
    logger = logging.getLogger("adapters.slack.bolt")
    if not any(isinstance(f, BoltNoise) for f in logger.filters):
        logger.addFilter(BoltNoise())
    return logger
