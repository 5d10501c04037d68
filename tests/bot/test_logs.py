"""One log format for every logger: timestamps and levels alike for ours, Bolt's and uvicorn's;
one JSON object a line with LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.errors import ConfigError
from bot.logs import configure
from bot.settings import load_settings

LOGGERS = ("bot.runtime", "adapters.slack.bolt", "uvicorn.error", "discord.client")
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING) (\S+): (.*)$")


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A stream to log to, with the loggers' own levels (which other tests' servers and commands
    set) cleared for the test and put back after it."""
    captured = io.StringIO()
    names = (*LOGGERS, "bot", "adapters", "adapters.slack", "uvicorn", "discord")
    levels = {name: logging.getLogger(name).level for name in names}
    root_level = logging.getLogger().level
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
    try:
        yield captured
    finally:
        for handler in list(logging.getLogger().handlers):
            if handler.get_name() == "bridgework":
                logging.getLogger().removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        logging.getLogger().setLevel(root_level)


def test_every_logger_writes_one_line_format_with_a_utc_timestamp_and_level(
    stream: io.StringIO,
) -> None:
    configure("INFO", stream=stream)
    for name in LOGGERS:
        logging.getLogger(name).info("hello from %s", name)
    logging.getLogger("uvicorn.error").warning("careful")
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(LOGGERS) + 1
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m.group(1), m.group(2)) for m in parsed if m] == [
        *(("INFO", name) for name in LOGGERS),
        ("WARNING", "uvicorn.error"),
    ]


def test_log_format_json_writes_one_object_a_line_with_the_exception(
    stream: io.StringIO,
) -> None:
    configure("INFO", "json", stream=stream)
    logging.getLogger("bot.runtime").info("sent %d", 3)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("adapters.slack.bolt").exception("failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "logger", "message")} == {
        "level": "INFO",
        "logger": "bot.runtime",
        "message": "sent 3",
    }
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", first["time"])
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


def test_sql_statements_stay_out_of_the_log_even_at_debug(stream: io.StringIO) -> None:
    configure("DEBUG", stream=stream)
    logging.getLogger("sqlalchemy.engine").info("INSERT INTO answers VALUES ('private')")
    assert "private" not in stream.getvalue()


def test_an_unknown_log_format_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="LOG_FORMAT: expected text or json"):
        load_settings(env_file=None)
