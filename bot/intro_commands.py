"""`intro me` and `suggest @a @b "topic"`: introductions outside the weekly rounds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from bot.errors import InputError

MAX_TOPIC = 200
INTRO_USAGE = ("intro me", "intro me")
SUGGEST_USAGE = (
    'suggest @person @person [@person] "a topic to start on"',
    'suggest @ada @grace "how each team plans its quarter"',
)
# A person as each platform writes a mention: @bob (console), @U123 (Slack, unescaped),
# <@123> or <@!123> (Discord), <@U123|bob> (Slack, escaped).
MENTION = re.compile(r"^(?:<@!?([\w.-]{1,64})(?:\|[^>]*)?>|@([\w.-]{1,64}))$")


@dataclass(frozen=True)
class IntroMe:
    """Put me in the queue for an introduction today, outside the rounds."""


@dataclass(frozen=True)
class Suggest:
    """A facilitator introduces two or three people by hand, with a topic to start on."""

    people: tuple[str, ...]
    topic: str


def parse_intro(args: list[str]) -> IntroMe:
    if [a.lower() for a in args] != ["me"]:
        _fail(INTRO_USAGE, "say `intro me` to be introduced to someone from another team today")
    return IntroMe()


def parse_suggest(tokens: list[str]) -> Suggest:
    """``tokens`` are the words after `suggest`, quotes taken off (the topic is one of them)."""
    people: list[str] = []
    for token in tokens:
        found = MENTION.fullmatch(token)
        if found is None:
            break
        people.append(found.group(1) or found.group(2))
    rest = tokens[len(people) :]
    if not 2 <= len(people) <= 3:
        _fail(SUGGEST_USAGE, "mention two or three people to introduce")
    if len(set(people)) != len(people):
        _fail(SUGGEST_USAGE, "you mentioned the same person twice")
    if len(rest) != 1:
        _fail(SUGGEST_USAGE, "give one topic to start on, in quotes")
    topic = " ".join(rest[0].split())
    if not topic or any(not ch.isprintable() for ch in topic):
        _fail(SUGGEST_USAGE, "give a topic of plain text, in quotes")
    if len(topic) > MAX_TOPIC:
        _fail(SUGGEST_USAGE, f"that topic is {len(topic)} characters; {MAX_TOPIC} at most")
    return Suggest(tuple(people), topic)


def _fail(usage: tuple[str, str], problem: str) -> NoReturn:
    raise InputError(problem, usage=usage[0], example=usage[1])
