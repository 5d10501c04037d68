"""Admins' controls: `opt-out @person` / `opt-in @person`, and `skip` for blackout dates.

opt-out @bob                        opt-in @bob
skip 2026-12-21..2027-01-03         skip 2026-12-25         skip list
skip clear 2026-12-21..2027-01-03   skip clear 2026-12-21..   skip clear all
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NoReturn

from bot.errors import InputError
from bot.role_commands import MENTION

OPT_OUT_USAGE = ("opt-out @PERSON (an admin leaves them out of everything)", "opt-out @bob")
OPT_IN_USAGE = ("opt-in @PERSON (an admin takes them back in)", "opt-in @bob")
SKIP_USAGE = (
    "skip YYYY-MM-DD[..YYYY-MM-DD] | skip list | skip clear YYYY-MM-DD[..[YYYY-MM-DD]]|all",
    "skip 2027-12-20..2028-01-02",
)
MAX_BLACKOUT = timedelta(days=366)  # a range covers a year at most


@dataclass(frozen=True)
class OptOut:
    """An admin leaves ``person`` (a platform id) out of rounds, prompts and check-ins."""

    person: str


@dataclass(frozen=True)
class OptIn:
    person: str


@dataclass(frozen=True)
class Skip:
    """Blackout days from ``first`` to ``last``, both included."""

    first: date
    last: date


@dataclass(frozen=True)
class ListSkips:
    pass


@dataclass(frozen=True)
class ClearSkips:
    """Clear the blackout days from ``first`` to ``last`` (None: every one, open ends)."""

    first: date | None
    last: date | None


SkipCommand = Skip | ListSkips | ClearSkips
OptCommand = OptOut | OptIn


def parse_opt(verb: str, args: list[str]) -> OptCommand:
    usage, example = OPT_OUT_USAGE if verb == "opt-out" else OPT_IN_USAGE
    if len(args) != 1:
        raise InputError("mention one person, like @bob", usage=usage, example=example)
    match = MENTION.match(args[0])
    if match is None:
        raise InputError(
            f"'{args[0][:40]}' is not a person: mention them, like @bob",
            usage=usage,
            example=example,
        )
    person = match.group(1) or match.group(2)
    return OptOut(person) if verb == "opt-out" else OptIn(person)


def parse_skip(args: list[str], today: date) -> SkipCommand:
    """``args`` are the words after `skip`; ``today`` is the community's date."""
    if not args:
        _fail("say which days, like `skip 2026-12-25` or `skip 2026-12-21..2027-01-03`")
    action = args[0].lower()
    if action == "list":
        if len(args) != 1:
            _fail("`skip list` takes nothing after it")
        return ListSkips()
    if action == "clear":
        if len(args) != 2:
            _fail("say which days to clear, like `skip clear 2026-12-21..` or `skip clear all`")
        if args[1].lower() == "all":
            return ClearSkips(None, None)
        first, last = _range(args[1], open_end=True)
        return ClearSkips(first, last)
    if len(args) != 1:
        _fail("say one day or one range of days, like 2026-12-21..2027-01-03")
    first, last = _range(args[0], open_end=False)
    assert last is not None
    if first < today:
        _fail(f"{first.isoformat()} has passed: blackout days are today or later")
    return Skip(first, last)


def _range(text: str, *, open_end: bool) -> tuple[date, date | None]:
    start, dots, end = text.partition("..")
    first = _day(start)
    if not dots:
        return first, first
    if not end:
        if not open_end:
            _fail(f"say the last day too, like {first.isoformat()}..{(first + timedelta(7))}")
        return first, None
    last = _day(end)
    if last < first:
        _fail(f"{last.isoformat()} is before {first.isoformat()}: say the earlier day first")
    if last - first >= MAX_BLACKOUT:
        _fail("a range covers a year at most")
    return first, last


def _day(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        _fail(f"'{text[:24]}' is not a date like 2026-12-21")
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"'{text[:24]}' is not a date like 2026-12-21")


def _fail(problem: str) -> NoReturn:
    raise InputError(problem, usage=SKIP_USAGE[0], example=SKIP_USAGE[1])
