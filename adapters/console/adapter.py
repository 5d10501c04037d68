"""The console adapter: a real implementation of the Chat port over a terminal.

Outbound, it renders every message as text on a stream and remembers what it sent (so a test can
read the transcript). Inbound, it translates typed lines into core events:

    ada: join                      a command, as Ada
    ada! set day friday            a command, as Ada with the platform's admin flag
    ada presses outcome 12:met     a button press (the console shows each button's action and value)
    ada replies m3: I listened     a reply in the thread of message m3
    ada submits checkin:4 q0='…'   a form, answered
    +ada 'Ada Lovelace' Acme/Eng   Ada joins the channel, with her team (and time zone)
    -ada                           Ada leaves the channel

`presses`, `replies` and `submits` count only as the word after the speaker's id, so a command's
text may contain them ("ada: prompt schedule "Who replies first?" …").
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from adapters.console.render import render
from bot.domain import Platform
from bot.errors import InputError, Undeliverable
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Where,
)
from bot.messages import Form, Message
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef


@dataclass(frozen=True)
class Delivered:
    """One thing the console was asked to show: a new message, or an update of an earlier one."""

    conversation: str
    message_id: str
    message: Message
    key: str
    updated: bool = False


class Out(Protocol):
    """Where the console writes: a text stream."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class ConsoleChat:
    """The port over a text stream. ``roster`` is who is in the console space."""

    def __init__(self, out: Out | None, roster: Sequence[MemberInfo] = ()) -> None:
        self.out = out
        self.roster = {m.platform_id: m for m in roster}
        self.transcript: list[Delivered] = []
        self.gone: set[str] = set()
        self._by_key: dict[str, SentRef] = {}

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        return [m for pid, m in sorted(self.roster.items()) if pid not in self.gone]

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        missing = [p for p in people if p in self.gone]
        if missing:
            raise Undeliverable(f"{', '.join(missing)} left the console space")
        return ConversationRef("group:" + "+".join(sorted(people)))

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        if key in self._by_key:
            return self._by_key[key]
        sent = SentRef(where, f"m{len(self.transcript) + 1}")
        self._by_key[key] = sent
        self.transcript.append(Delivered(where.id, sent.message_id, message, key))
        self._show(f"── {where.id} ({sent.message_id})", message)
        return sent

    async def update(self, sent: SentRef, message: Message) -> None:
        self.transcript.append(
            Delivered(sent.conversation.id, sent.message_id, message, "", updated=True)
        )
        self._show(f"── {sent.conversation.id} ({sent.message_id}, updated)", message)

    async def open_form(self, interaction: str, form: Form) -> None:
        self._show(f"── form for {interaction}", form)

    def _show(self, heading: str, message: Message) -> None:
        if self.out is not None:
            self.out.write(f"{heading}\n{render(message)}\n")


@dataclass(frozen=True)
class ConsoleSpace:
    workspace: str
    channel: str

    @property
    def where(self) -> Where:
        return Where(Platform.CONSOLE, self.workspace, self.channel)


# "ada: join" speaks as Ada; "ada! set day friday" (or "ada!: …") as Ada with the admin flag.
ME = "bridgework"  # the bot as the console names it: `opt-out @bridgework` names the bot

SPEAKER = re.compile(r"([^\s:!]+)(?:(!):?|:)\s*(.*)", re.DOTALL)
# "ada presses …", "ada replies …", "ada submits …": the verb is the word after the id.
ACTION = re.compile(r"([^\s:!]+!?)\s+(presses|replies|submits)(?:\s+(.*))?", re.DOTALL)
SUBMIT_USAGE = "ID submits FORM q0='answer' [q1='answer' …]"
SUBMIT_EXAMPLE = "ada submits checkin:1 q0='More than last month.'"
PRESS_USAGE = "ID presses ACTION VALUE (shown in each button: [We met → outcome 12:met])"
PRESS_EXAMPLE = "ada presses outcome 12:met"
REPLY_USAGE = "ID replies MESSAGE: text (MESSAGE as shown in a heading, like m3)"
REPLY_EXAMPLE = "ada replies m3: I listened more than I talked."
JOIN_USAGE = "+ID 'First Last' [Org/Dept/Team] [Time/Zone]"
JOIN_EXAMPLE = "+ada 'Ada Lovelace' Acme/Engineering/Platform Europe/London"


def to_event(line: str, space: ConsoleSpace, names: dict[str, str]) -> Event | None:
    """Translate one typed line into a core event; None for a blank line or a comment."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("+"):
        try:
            parts = shlex.split(text[1:])
        except ValueError as exc:
            raise InputError(
                f"cannot read that line: {exc}", usage=JOIN_USAGE, example=JOIN_EXAMPLE
            ) from None
        if not 2 <= len(parts) <= 4:
            raise InputError("say who joins", usage=JOIN_USAGE, example=JOIN_EXAMPLE)
        team = parts[2] if len(parts) > 2 else None
        timezone = parts[3] if len(parts) > 3 else None
        names[parts[0]] = parts[1]
        return MemberJoined(space.where, Actor(parts[0], parts[1], timezone=timezone), team)
    if text.startswith("-"):
        who = text[1:].strip()
        return MemberLeft(space.where, Actor(who, names.get(who, who)))
    action = ACTION.fullmatch(text)
    if action is not None:
        who, verb, rest = action.group(1), action.group(2), action.group(3) or ""
        if verb == "replies":
            return _reply(who, rest, space, names)
        if verb == "submits":
            return _submission(who, rest, space, names)
        pressed, _, value = rest.strip().partition(" ")
        if not pressed:
            raise InputError("say which button", usage=PRESS_USAGE, example=PRESS_EXAMPLE)
        return ButtonPressed(space.where, _actor(who, names), pressed, value.strip())
    speaker = SPEAKER.match(text)
    if speaker is None:
        raise InputError(
            "say who is speaking",
            usage="ID: command | ID! command",
            example="ada: pause until 2027-01-15",
        )
    who, command = speaker.group(1) + (speaker.group(2) or ""), speaker.group(3)
    mentioned = frozenset(re.findall(r"#([\w-]+)", command))
    return CommandInvoked(
        space.where, _actor(who, names), command.strip(), channels=mentioned, me=ME
    )


def _reply(who: str, rest: str, space: ConsoleSpace, names: dict[str, str]) -> Event:
    thread, colon, body = rest.partition(":")
    if not colon or not thread.strip():
        raise InputError(
            "say which message and the reply", usage=REPLY_USAGE, example=REPLY_EXAMPLE
        )
    return MessagePosted(space.where, _actor(who, names), body.strip(), thread.strip())


def _submission(who: str, rest: str, space: ConsoleSpace, names: dict[str, str]) -> Event:
    try:
        parts = shlex.split(rest)
    except ValueError as exc:
        raise InputError(
            f"cannot read that line: {exc}", usage=SUBMIT_USAGE, example=SUBMIT_EXAMPLE
        ) from None
    if not parts or any("=" not in p for p in parts[1:]):
        raise InputError("say the form and its answers", usage=SUBMIT_USAGE, example=SUBMIT_EXAMPLE)
    values = tuple((name, value) for name, _, value in (p.partition("=") for p in parts[1:]))
    return FormSubmitted(space.where, _actor(who, names), parts[0], values)


def _actor(who: str, names: dict[str, str]) -> Actor:
    admin = who.endswith("!")
    pid = who.rstrip("!").strip()
    return Actor(pid, names.get(pid, pid.capitalize()), platform_admin=admin)
