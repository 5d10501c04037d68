"""Reading an HR export (a roster CSV) and a history of rounds (JSON lines) for planning.

Every problem is an :class:`FileInputError` naming the file, the line and the column, so that a
person can fix the file without reading code.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import TeamPath
from bot.errors import InputError
from bot.pairing.model import Candidate, PastGroup

REQUIRED_COLUMNS = ("id", "name", "team")
OPTIONAL_COLUMNS = ("timezone", "never_with")
ROSTER_EXAMPLE = (
    "id,name,team,timezone,never_with\nu1,Ada,Acme/Engineering/Platform,Europe/London,u7"
)
HISTORY_EXAMPLE = '{"round": 1, "groups": [["u1", "u2"], ["u3", "u4"]]}'


class FileInputError(InputError):
    """A file a person gave is invalid at ``line`` (1-based), in ``column`` when there is one."""

    def __init__(
        self, path: Path, line: int, column: str | None, problem: str, *, example: str = ""
    ) -> None:
        where = f"{path}, line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {problem}", example=example)
        self.path = path
        self.line = line
        self.column = column
        self.problem = problem


def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def read_roster(path: Path) -> list[Candidate]:
    """The members of a roster CSV: columns id, name, team; optional timezone, never_with."""
    return parse_roster(_read_text(path, "utf-8-sig"), path)


def _read_text(path: Path, encoding: str) -> str:
    """The file's text; a byte that is not UTF-8 is reported at its line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileInputError(path, 1, None, f"cannot be read ({error.strerror})") from error
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileInputError(
            path, line, None, "is not UTF-8 text; save the file as UTF-8"
        ) from error


def parse_roster(text: str, path: Path) -> list[Candidate]:
    if not text.strip():
        raise FileInputError(
            path, 1, None, "the file is empty; it needs a header line", example=ROSTER_EXAMPLE
        )
    reader = csv.reader(io.StringIO(text))
    try:
        return _parse_rows(reader, path)
    except csv.Error as error:
        problem = str(error)
        if "field larger" in problem:
            problem = f"a field is too long ({csv.field_size_limit()} characters at most)"
        raise FileInputError(path, reader.line_num, None, problem) from error


def _parse_rows(reader: Any, path: Path) -> list[Candidate]:
    header = [h.strip().lower() for h in next(reader)]
    for name in header:
        if name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) and header.count(name) > 1:
            raise FileInputError(
                path, 1, name, f"the header names the column '{name}' twice", example=ROSTER_EXAMPLE
            )
    for name in REQUIRED_COLUMNS:
        if name not in header:
            raise FileInputError(
                path,
                1,
                name,
                f"the header lacks the column '{name}' (it has {', '.join(header)})",
                example=ROSTER_EXAMPLE,
            )
    position = {
        name: header.index(name)
        for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        if name in header
    }
    rows: list[tuple[int, dict[str, str]]] = []
    first_line: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise FileInputError(
                path, line, None, f"has {len(record)} fields where the header has {len(header)}"
            )
        row = {name: record[at].strip() for name, at in position.items()}
        for name in REQUIRED_COLUMNS:
            if not row[name]:
                raise FileInputError(path, line, name, f"the {name} is empty")
        if row["id"] in first_line:
            raise FileInputError(
                path, line, "id", f"'{row['id']}' is already the id on line {first_line[row['id']]}"
            )
        first_line[row["id"]] = line
        rows.append((line, row))
    if not rows:
        raise FileInputError(
            path, 2, None, "the roster has a header but no members", example=ROSTER_EXAMPLE
        )
    return [_candidate(path, line, row, first_line) for line, row in rows]


def _candidate(path: Path, line: int, row: dict[str, str], ids: dict[str, int]) -> Candidate:
    try:
        team = TeamPath.parse(row["team"])
    except InputError as error:
        raise FileInputError(path, line, "team", str(error), example=error.example) from error
    timezone = row.get("timezone") or "UTC"
    if not _known_timezone(timezone):
        raise FileInputError(
            path,
            line,
            "timezone",
            f"'{timezone}' is not a known time zone",
            example="Europe/Paris",
        )
    never = [m.strip() for m in row.get("never_with", "").split(";") if m.strip()]
    for other in never:
        if other not in ids:
            raise FileInputError(
                path, line, "never_with", f"'{other}' is not the id of anyone in the roster"
            )
        if other == row["id"]:
            raise FileInputError(path, line, "never_with", "a member cannot avoid themselves")
    return Candidate(id=row["id"], team=team, timezone=timezone, never_with=frozenset(never))


def read_history(path: Path) -> list[PastGroup]:
    """Past rounds, one JSON object a line: ``{"round": 1, "groups": [["u1", "u2"], ...]}``."""
    return parse_history(_read_text(path, "utf-8"), path)


def parse_history(text: str, path: Path) -> list[PastGroup]:
    past: list[PastGroup] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as error:
            raise FileInputError(
                path, line, str(error.colno), f"is not JSON ({error.msg})", example=HISTORY_EXAMPLE
            ) from error
        if not isinstance(record, dict):
            raise FileInputError(path, line, None, "is not a JSON object", example=HISTORY_EXAMPLE)
        number = record.get("round")
        if not isinstance(number, int) or isinstance(number, bool):
            raise FileInputError(
                path, line, "round", "needs a whole round number", example=HISTORY_EXAMPLE
            )
        groups = record.get("groups")
        if not isinstance(groups, list) or not all(
            isinstance(g, list) and all(isinstance(m, str) for m in g) for g in groups
        ):
            raise FileInputError(
                path, line, "groups", "needs a list of lists of member ids", example=HISTORY_EXAMPLE
            )
        past.extend(PastGroup(number, tuple(g)) for g in groups)
    return past


def round_lines(rounds: Sequence[tuple[int, Sequence[tuple[str, ...]]]]) -> str:
    """Rounds as JSON lines, the format ``read_history`` reads back."""
    return "".join(
        json.dumps({"round": number, "groups": [list(g) for g in groups]}) + "\n"
        for number, groups in rounds
    )
