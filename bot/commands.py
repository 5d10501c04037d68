"""Text → command parsing, shared by every platform. A bad command gets usage and an example."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.about_command import USAGE as ABOUT_USAGE
from bot.about_command import About, parse_about
from bot.control_commands import (
    OPT_IN_USAGE,
    OPT_OUT_USAGE,
    SKIP_USAGE,
    OptCommand,
    OptOut,
    SkipCommand,
    parse_opt,
    parse_skip,
)
from bot.domain import WEEKDAYS, Role, TeamPath
from bot.errors import InputError
from bot.facilitation import (
    AddToLibrary,
    ManageSchedule,
    Results,
    ScheduleCheckIn,
    SchedulePrompt,
    parse_checkin,
    parse_library,
    parse_prompt,
)
from bot.facilitation import FacilitationCommand as Facilitation
from bot.facilitation import words as split_words
from bot.hours_command import USAGE as HOURS_USAGE
from bot.hours_command import SetHours, parse_hours
from bot.intro_commands import (
    INTRO_USAGE,
    SUGGEST_USAGE,
    IntroMe,
    Suggest,
    parse_intro,
    parse_suggest,
)
from bot.role_commands import USAGE as ROLE_USAGE
from bot.role_commands import ListRoles, RoleCommand, parse_role
from bot.set_command import SET_VERB_USAGE, Set, check_timezone, parse_set
from bot.taxonomy_commands import USAGE as THEMES_USAGE
from bot.taxonomy_commands import ListThemes, ThemesCommand, parse_themes

MAX_PAUSE = timedelta(days=366)
MAX_COMMAND_LENGTH = 2000
__all__ = [
    "WEEKDAYS",
    "About",
    "SetHours",
    "IntroMe",
    "Suggest",
    "Command",
    "parse",
    "required_role",
    "command_name",
    "check_timezone",
    "Set",
]


@dataclass(frozen=True)
class Join:
    pass


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class Pause:
    until: date


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class SetTeam:
    team: TeamPath


@dataclass(frozen=True)
class SetTimezone:
    timezone: str


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class MyData:
    pass


@dataclass(frozen=True)
class ForgetMe:
    pass


@dataclass(frozen=True)
class Digest:
    pass


@dataclass(frozen=True)
class Dashboard:
    pass


Command = (
    Join
    | Leave
    | Pause
    | Resume
    | SetTeam
    | SetTimezone
    | Status
    | About
    | SetHours
    | Help
    | Set
    | MyData
    | ForgetMe
    | Digest
    | Dashboard
    | IntroMe
    | Suggest
    | Facilitation
    | ThemesCommand
    | RoleCommand
    | OptCommand
    | SkipCommand
)

USAGE: dict[str, tuple[str, str]] = {
    "join": ("join", "join"),
    "leave": ("leave", "leave"),
    "pause": ("pause until YYYY-MM-DD | pause N days|weeks", "pause until 2027-01-15"),
    "resume": ("resume", "resume"),
    "team": ("team Organisation/Department/Team", "team Acme/Engineering/Platform"),
    "timezone": ("timezone Area/City", "timezone Europe/Berlin"),
    "status": ("status", "status"),
    "about": ABOUT_USAGE,
    "intro": INTRO_USAGE,
    "suggest": SUGGEST_USAGE,
    "hours": HOURS_USAGE,
    "help": ("help", "help"),
    "set": SET_VERB_USAGE,
    "my-data": ("my-data", "my-data"),
    "forget-me": ("forget-me", "forget-me"),
    "digest": ("digest", "digest"),
    "dashboard": ("dashboard", "dashboard"),
    "prompt": (
        'prompt schedule "TEXT"|library WHEN #CHANNEL | list | pause N | resume N | delete N',
        "prompt list",
    ),
    "checkin": (
        'checkin schedule "Q1" ["Q2" ["Q3"]] WHEN [for TEAMS] [window N days] [anonymous]',
        "checkin list",
    ),
    "library": ('library add starter|listening|reflection "TEXT"', 'library add starter "Hi?"'),
    "themes": (THEMES_USAGE, "themes list"),
    "role": (ROLE_USAGE, "role grant @bob lead"),
    "roles": ("roles", "roles"),
    "opt-out": OPT_OUT_USAGE,
    "opt-in": OPT_IN_USAGE,
    "skip": SKIP_USAGE,
}

SIMPLE: dict[str, Command] = {
    "join": Join(),
    "leave": Leave(),
    "resume": Resume(),
    "status": Status(),
    "help": Help(),
    "my-data": MyData(),
    "forget-me": ForgetMe(),
    "digest": Digest(),
    "dashboard": Dashboard(),
    "roles": ListRoles(),
}


def required_role(command: Command) -> Role:
    if isinstance(command, ListThemes):
        return Role.LEAD
    if isinstance(command, Set | ThemesCommand | RoleCommand | OptCommand | SkipCommand):
        return Role.ADMIN
    if isinstance(command, Results | Digest | Dashboard):
        return Role.LEAD
    if isinstance(
        command, SchedulePrompt | ScheduleCheckIn | ManageSchedule | AddToLibrary | Suggest
    ):
        return Role.FACILITATOR
    return Role.MEMBER


def command_name(command: Command) -> str:
    if isinstance(command, SchedulePrompt) or (
        isinstance(command, ManageSchedule) and command.kind == "prompt"
    ):
        return "prompt"
    if isinstance(command, ScheduleCheckIn | ManageSchedule | Results):
        return "checkin"
    if isinstance(command, AddToLibrary):
        return "library"
    if isinstance(command, ThemesCommand):
        return "themes"
    if isinstance(command, ListRoles):
        return "roles"
    if isinstance(command, RoleCommand):
        return "role"
    if isinstance(command, OptCommand):
        return "opt-out" if isinstance(command, OptOut) else "opt-in"
    if isinstance(command, SkipCommand):
        return "skip"
    return {
        Join: "join",
        Leave: "leave",
        Pause: "pause",
        Resume: "resume",
        SetTeam: "team",
        SetTimezone: "timezone",
        Status: "status",
        About: "about",
        IntroMe: "intro",
        Suggest: "suggest",
        SetHours: "hours",
        Help: "help",
        Set: "set",
        MyData: "my-data",
        ForgetMe: "forget-me",
        Digest: "digest",
        Dashboard: "dashboard",
    }[type(command)]


def parse(text: str, today: date, channels: frozenset[str] = frozenset()) -> Command:
    """Parse a command as a person typed it. Raises InputError with usage and an example.

    ``channels`` are the channel ids the platform resolved in the text (for `#channel`)."""
    if len(text) > MAX_COMMAND_LENGTH:
        raise InputError("that command is too long", usage="help", example="help")
    words = text.strip().split()
    if not words:
        return Help()
    verb, args = words[0].lower(), words[1:]
    if verb in SIMPLE:
        if args:
            _fail(verb, f"`{verb}` takes nothing after it")
        return SIMPLE[verb]
    if verb == "pause":
        return Pause(_pause_until(args, today))
    if verb == "team":
        if not args:
            _fail("team", "say which team")
        try:
            return SetTeam(TeamPath.parse(" ".join(args)))
        except InputError as exc:
            _fail("team", str(exc))
    if verb == "set":
        return parse_set(args, channels)
    if verb == "about":
        return parse_about(text.strip()[len(words[0]) :])
    if verb == "hours":
        return parse_hours(" ".join(args))
    if verb == "intro":
        return parse_intro(args)
    if verb == "suggest":
        return parse_suggest(split_words(text)[1:])
    if verb == "timezone":
        if len(args) != 1:
            _fail("timezone", "say one time zone")
        return SetTimezone(check_timezone(args[0], *USAGE["timezone"]))
    if verb in {"opt-out", "opt-in"}:
        return parse_opt(verb, args)
    if verb == "skip":
        return parse_skip(args, today)
    if verb in {"prompt", "checkin", "library", "themes", "role"}:
        tokens = split_words(text)[1:]
        if verb == "role":
            return parse_role(tokens)
        if verb == "themes":
            return parse_themes(tokens)
        if verb == "prompt":
            return parse_prompt(tokens, today, channels)
        if verb == "checkin":
            return parse_checkin(tokens, today)
        return parse_library(tokens)
    raise InputError(
        f"I don't know the command `{verb[:40]}`",
        usage="join | leave | pause | resume | team | status | my-data | forget-me | help",
        example="help",
    )


def _fail(verb: str, problem: str) -> None:
    usage, example = USAGE[verb]
    raise InputError(problem, usage=usage, example=example)


def _pause_until(args: list[str], today: date) -> date:
    until: date | None = None
    if len(args) == 2 and args[0].lower() == "until":
        try:
            until = date.fromisoformat(args[1])
        except ValueError:
            _fail("pause", f"'{args[1][:20]}' is not a date like 2027-01-15")
    elif len(args) == 2 and re.fullmatch(r"[1-9]\d{0,2}", args[0]):
        unit = args[1].lower().rstrip("s")
        if unit not in {"day", "week"}:
            _fail("pause", f"'{args[1][:20]}' is not days or weeks")
        days = int(args[0]) * (7 if unit == "week" else 1)
        until = today + timedelta(days=days)
    else:
        _fail("pause", "say until when")
    assert until is not None
    if until <= today:
        _fail("pause", f"{until.isoformat()} is not in the future")
    if until - today > MAX_PAUSE:
        _fail("pause", "a pause can last a year at most; say `leave` to stop for longer")
    return until
