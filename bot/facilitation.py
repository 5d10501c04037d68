"""Parsing the facilitators' and leads' commands: listening prompts, check-ins, the library.

prompt schedule "What helped you this week?" every monday 10:00 #coffee
prompt schedule library every 2 weeks on friday 15:00 #general
checkin schedule "How connected do you feel?" "What got in the way?" every friday 15:00
    [for Acme/Eng,Acme/Sales] [window 2 days] [anonymous]
checkin schedule library once 2027-02-01 09:00 anonymous
prompt|checkin list | pause N | resume N | delete N
checkin results N [team Acme/Eng]
library add starter|listening|reflection "text"
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.domain import WEEKDAYS, Cadence, TeamPath
from bot.errors import InputError
from bot.ids import is_id

MAX_TEXT = 500
MAX_QUESTIONS = 3
WINDOW_DAYS = (1, 14)

PROMPT_EXAMPLE = 'prompt schedule "What helped you this week?" every monday 10:00 #coffee'
CHECKIN_EXAMPLE = 'checkin schedule "How connected do you feel?" every friday 15:00 window 2 days'
WHEN_USAGE = "every [2|4 weeks on] DAY HH:MM | once YYYY-MM-DD HH:MM"


@dataclass(frozen=True)
class When:
    cadence: Cadence = Cadence.WEEKLY
    weekday: int = 0
    local_time: str = "10:00"
    once: datetime | None = None  # naive, in the community's time zone


@dataclass(frozen=True)
class SchedulePrompt:
    text: str | None  # None: rotate through the library
    when: When
    channel: str


@dataclass(frozen=True)
class ScheduleCheckIn:
    questions: tuple[str, ...]  # empty: one question from the library, rotated
    when: When
    teams: tuple[TeamPath, ...]
    window_days: int
    anonymous: bool


@dataclass(frozen=True)
class ManageSchedule:
    kind: str  # "prompt" | "checkin"
    action: str  # list | pause | resume | delete
    schedule_id: int | None


@dataclass(frozen=True)
class Results:
    checkin_id: int
    team: TeamPath | None


@dataclass(frozen=True)
class AddToLibrary:
    kind: str
    text: str


FacilitationCommand = SchedulePrompt | ScheduleCheckIn | ManageSchedule | Results | AddToLibrary


def words(text: str) -> list[str]:
    """Split like a shell, accepting the curly quotes chat apps put in."""
    straight = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(straight)
    except ValueError:
        raise InputError(
            "a quote is not closed", usage="put each text in quotes", example=PROMPT_EXAMPLE
        ) from None


def parse_prompt(args: list[str], today: date, channels: frozenset[str]) -> FacilitationCommand:
    if not args:
        raise InputError(
            "say what to do with prompts",
            usage="prompt schedule | list | pause | resume | delete",
            example=PROMPT_EXAMPLE,
        )
    if args[0] != "schedule":
        return _manage("prompt", args, PROMPT_EXAMPLE)
    if len(args) < 2:
        raise InputError(
            "say the prompt's text, or `library`",
            usage=f'prompt schedule "TEXT"|library {WHEN_USAGE} #CHANNEL',
            example=PROMPT_EXAMPLE,
        )
    text = None if args[1] == "library" else _text(args[1], PROMPT_EXAMPLE)
    rest = args[2:]
    if not rest or not rest[-1].startswith("#"):
        raise InputError(
            "say which channel, like #coffee",
            usage=f'prompt schedule "TEXT" {WHEN_USAGE} #CHANNEL',
            example=PROMPT_EXAMPLE,
        )
    channel = rest[-1][1:]
    if channel not in channels:
        raise InputError(
            f"I can't post in #{channel[:40]}: mention a channel I am in",
            usage=f'prompt schedule "TEXT" {WHEN_USAGE} #CHANNEL',
            example=PROMPT_EXAMPLE,
        )
    when, left = _when(rest[:-1], today, PROMPT_EXAMPLE)
    if left:
        raise InputError(
            f"I don't understand '{' '.join(left)[:40]}'", usage=WHEN_USAGE, example=PROMPT_EXAMPLE
        )
    return SchedulePrompt(text, when, channel)


def parse_checkin(args: list[str], today: date) -> FacilitationCommand:
    if not args:
        raise InputError(
            "say what to do with check-ins",
            usage="checkin schedule | list | pause | resume | delete | results",
            example=CHECKIN_EXAMPLE,
        )
    if args[0] == "results":
        return _results(args[1:])
    if args[0] != "schedule":
        return _manage("checkin", args, CHECKIN_EXAMPLE)
    rest = args[1:]
    questions: list[str] = []
    if rest and rest[0] == "library":
        rest = rest[1:]
    else:
        while rest and rest[0] not in {"every", "once"}:
            questions.append(_text(rest.pop(0), CHECKIN_EXAMPLE))
        if not questions:
            raise InputError(
                "say one to three questions, or `library`",
                usage=f'checkin schedule "Q1" ["Q2" ["Q3"]] {WHEN_USAGE}',
                example=CHECKIN_EXAMPLE,
            )
        if len(questions) > MAX_QUESTIONS:
            raise InputError(
                "a check-in asks three questions at most",
                usage=f'checkin schedule "Q1" ["Q2" ["Q3"]] {WHEN_USAGE}',
                example=CHECKIN_EXAMPLE,
            )
    when, rest = _when(rest, today, CHECKIN_EXAMPLE)
    teams: tuple[TeamPath, ...] = ()
    window, anonymous = 2, False
    while rest:
        word = rest.pop(0).lower()
        if word == "anonymous":
            anonymous = True
        elif word == "for" and rest:
            teams = tuple(TeamPath.parse(t) for t in rest.pop(0).split(",") if t.strip())
        elif (
            word == "window" and len(rest) >= 2 and is_id(rest[0]) and rest[1].rstrip("s") == "day"
        ):
            window = int(rest.pop(0))
            rest.pop(0)
            if not WINDOW_DAYS[0] <= window <= WINDOW_DAYS[1]:
                raise InputError(
                    f"an answer window of {window} days is out of range",
                    usage="window 1 … 14 days",
                    example=CHECKIN_EXAMPLE,
                )
        else:
            raise InputError(
                f"I don't understand '{word[:40]}'",
                usage="[for TEAM,TEAM] [window N days] [anonymous]",
                example=CHECKIN_EXAMPLE,
            )
    return ScheduleCheckIn(tuple(questions), when, teams, window, anonymous)


def parse_library(args: list[str]) -> AddToLibrary:
    example = 'library add listening "What surprised you this week?"'
    if len(args) != 3 or args[0] != "add" or args[1] not in {"starter", "listening", "reflection"}:
        raise InputError(
            "say which kind of text to add, and the text",
            usage='library add starter|listening|reflection "TEXT"',
            example=example,
        )
    return AddToLibrary(args[1], _text(args[2], example))


def _text(raw: str, example: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise InputError("the text is empty", usage="put the text in quotes", example=example)
    if len(text) > MAX_TEXT:
        raise InputError(
            f"the text is {len(text)} characters; {MAX_TEXT} at most",
            usage="a shorter text",
            example=example,
        )
    return text


def _when(args: list[str], today: date, example: str) -> tuple[When, list[str]]:
    rest = list(args)
    if not rest or rest[0].lower() not in {"every", "once"}:
        raise InputError("say when", usage=WHEN_USAGE, example=example)
    if rest.pop(0).lower() == "once":
        if len(rest) < 2:
            raise InputError(
                "say the date and time",
                usage="once YYYY-MM-DD HH:MM",
                example="once 2027-02-01 09:00",
            )
        moment = _date(rest.pop(0), example)
        at = datetime.combine(moment, _time(rest.pop(0), example))
        if moment < today:
            raise InputError(
                f"{moment.isoformat()} has passed",
                usage="once YYYY-MM-DD HH:MM",
                example="once 2027-02-01 09:00",
            )
        return When(once=at, weekday=moment.weekday(), local_time=at.strftime("%H:%M")), rest
    cadence = Cadence.WEEKLY
    if (
        len(rest) >= 3
        and rest[0] in {"2", "4"}
        and rest[1].rstrip("s") == "week"
        and rest[2] == "on"
    ):
        cadence = Cadence.BIWEEKLY if rest[0] == "2" else Cadence.MONTHLY
        rest = rest[3:]
    if len(rest) < 2 or rest[0].lower() not in WEEKDAYS:
        raise InputError(
            f"I can't read that schedule: '{' '.join(args)[:60]}'",
            usage=WHEN_USAGE,
            example=example,
        )
    weekday = WEEKDAYS.index(rest.pop(0).lower())
    clock_time = _time(rest.pop(0), example)
    return When(cadence, weekday, clock_time.strftime("%H:%M")), rest


def _time(raw: str, example: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw)
    if not match:
        raise InputError(
            f"'{raw[:20]}' is not a time like 10:00", usage=WHEN_USAGE, example=example
        )
    return time(int(match.group(1)), int(match.group(2)))


def _date(raw: str, example: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(
            f"'{raw[:20]}' is not a date like 2027-02-01", usage=WHEN_USAGE, example=example
        ) from None


def _manage(kind: str, args: list[str], example: str) -> ManageSchedule:
    action = args[0].lower()
    usage = f"{kind} list | {kind} pause N | {kind} resume N | {kind} delete N"
    if action == "list" and len(args) == 1:
        return ManageSchedule(kind, "list", None)
    if action in {"pause", "resume", "delete"} and len(args) == 2 and is_id(args[1]):
        return ManageSchedule(kind, action, int(args[1]))
    raise InputError(
        f"I don't understand `{kind} {' '.join(args)[:40]}`", usage=usage, example=example
    )


def _results(args: list[str]) -> Results:
    usage, example = "checkin results N [team Org/Dept/Team]", "checkin results 3 team Acme/Sales"
    if not args or not is_id(args[0]):
        raise InputError("say which check-in", usage=usage, example=example)
    if len(args) == 1:
        return Results(int(args[0]), None)
    if len(args) >= 3 and args[1] == "team":
        return Results(int(args[0]), TeamPath.parse(" ".join(args[2:])))
    raise InputError("say `team` and the team", usage=usage, example=example)
