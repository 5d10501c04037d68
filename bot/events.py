"""Inbound events: what adapters hand to the core. Frozen, platform-neutral."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from typing import Any, TypeVar

from bot.domain import Platform

T = TypeVar("T")
# Lone surrogates (a platform's JSON may carry "\ud800"; bytes decoded with surrogateescape)
# cannot be stored as UTF-8; control characters other than tab and newline have no place in what
# people type and would steer a terminal (ESC) or be refused by PostgreSQL (NUL).
_UNSAFE = re.compile(r"[\ud800-\udfff]|[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Actor:
    """Who did something, with the facts their platform gives about them.

    ``platform_admin`` and ``platform_roles`` are facts (a Slack workspace admin, a Discord member
    with Manage Server, the names of their Discord roles); what they allow is decided by the core.
    ``listed`` says whether the platform lists them among the community's people (Discord: they
    hold its opt-in role, or see its channel); None where the adapter cannot tell cheaply.
    ``platform_team`` is the team the platform decides for them (a Discord team role), if any.
    ``home`` holds the ids of the person's own workspace (and Enterprise Grid organisation)
    where the platform gives them: their admin fact is the community's only where its workspace
    is one of them (a Slack Connect partner's admin is not ours).
    """

    platform_id: str
    display_name: str
    platform_admin: bool = False
    platform_roles: frozenset[str] = field(default_factory=frozenset)
    timezone: str | None = None
    listed: bool | None = None
    platform_team: str | None = None
    home: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Where:
    """The community an event happened in: platform, workspace or guild, and channel."""

    platform: Platform
    workspace: str
    channel: str


@dataclass(frozen=True)
class CommandInvoked:
    where: Where
    actor: Actor
    text: str
    interaction: str = ""  # a trigger id, where the platform gives one for opening a form
    # Channels the text mentions, as ids the platform resolved (`#C123` in the text): a fact
    # the adapter knows and the core checks a `#channel` argument against.
    channels: frozenset[str] = frozenset()
    # The bot's own id on the platform, where the adapter knows it (a command naming the bot).
    me: str = ""


@dataclass(frozen=True)
class ButtonPressed:
    where: Where
    actor: Actor
    action: str
    value: str
    interaction: str = ""


@dataclass(frozen=True)
class FormSubmitted:
    where: Where
    actor: Actor
    form_id: str
    values: tuple[tuple[str, str], ...]

    def value(self, name: str) -> str:
        return dict(self.values).get(name, "")


@dataclass(frozen=True)
class MemberJoined:
    """Someone joined the community's channel, with the facts the core decides on."""

    where: Where
    actor: Actor
    team: str | None = None
    bot: bool = False
    guest: bool = False
    deactivated: bool = False
    organisation: str | None = None


@dataclass(frozen=True)
class MemberLeft:
    where: Where
    actor: Actor


@dataclass(frozen=True)
class MessagePosted:
    """A message in a thread: ``thread`` is the platform's id of the message it answers, ``message``
    this message's own id (Slack's ``ts``, Discord's snowflake; empty where there is none), so a
    redelivered message is recorded once."""

    where: Where
    actor: Actor
    text: str
    thread: str
    message: str = ""


@dataclass(frozen=True)
class ConversationMessage:
    """A person wrote in a conversation the bot is part of, outside a thread of its messages:
    a Slack group DM (``message.mpim``). ``conversation`` is the platform's id of it, ``message``
    this message's own id. What they wrote is none of the core's business and is not carried."""

    where: Where
    actor: Actor
    conversation: str
    message: str = ""


@dataclass(frozen=True)
class DirectMessage:
    """A person wrote to the bot directly, in a conversation of the two of them (a Discord DM):
    no workspace, guild or channel is known. It answers their latest introductions that went
    out by direct messages (see ``bot.ports.DIRECT``). ``message`` is its id; what they wrote is
    none of the core's business and is not carried."""

    platform: Platform
    actor: Actor
    message: str = ""


@dataclass(frozen=True)
class Uninstalled:
    """The platform took Bridgework out of a workspace or guild: Slack's ``app_uninstalled``, or
    ``tokens_revoked`` for its bot token; Discord's removal of the bot from a guild. ``reason``
    is what the community's undelivered messages are marked dead with."""

    platform: Platform
    workspace: str
    reason: str


@dataclass(frozen=True)
class Installed:
    """Bridgework was installed (again) in a workspace or guild: a Slack OAuth install
    (``oauth``: the workspace installed it itself), a Discord guild the bot joined."""

    platform: Platform
    workspace: str
    oauth: bool = False


@dataclass(frozen=True)
class AccessRevoked:
    """An organisation-wide install lost some of the organisation's workspaces (Slack's
    ``team_access_revoked``: the app was removed from them); the rest of the organisation keeps
    it. ``organisation`` is the Enterprise Grid org's id where the platform gives it."""

    platform: Platform
    organisation: str
    workspaces: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class AccessGranted:
    """An organisation-wide install was given access to some of the organisation's workspaces
    (Slack's ``team_access_granted``), perhaps again after losing it. ``organisation`` as for
    ``AccessRevoked``; ``reason`` is the one its revocation marks communities with: a grant
    brings back those marked for it, and no others (an uninstall is undone by an install)."""

    platform: Platform
    organisation: str
    workspaces: tuple[str, ...]
    reason: str


InstallEvent = Uninstalled | Installed | AccessRevoked | AccessGranted
Event = (
    CommandInvoked
    | ButtonPressed
    | FormSubmitted
    | MemberJoined
    | MemberLeft
    | MessagePosted
    | ConversationMessage
)


def _safe_character(found: re.Match[str]) -> str:
    character = found.group()
    if character == "\r":
        return "\n"
    return "\ufffd" if "\ud800" <= character <= "\udfff" else ""


def safe_text(text: str) -> str:
    """``text`` without lone surrogates (each becomes U+FFFD) and control characters (a carriage
    return becomes a newline; tab and newline stay), so that it can be stored and shown."""
    if text.isprintable() and text.isascii():
        return text
    return _UNSAFE.sub(_safe_character, text.replace("\r\n", "\n"))


def sanitized(value: T) -> T:
    """An inbound event (or any frozen dataclass, tuple or set of them) with every text in it
    made safe by ``safe_text``: the core's first step with what a platform hands it."""
    found: Any = value
    if isinstance(found, Enum):
        return value
    if isinstance(found, str):
        return safe_text(found)  # type: ignore[return-value]
    if is_dataclass(found) and not isinstance(found, type):
        changes = {f.name: sanitized(getattr(found, f.name)) for f in fields(found) if f.init}
        return replace(found, **changes)  # type: ignore[return-value]
    if isinstance(found, tuple):
        return tuple(sanitized(item) for item in found)  # type: ignore[return-value]
    if isinstance(found, frozenset):
        return frozenset(sanitized(item) for item in found)  # type: ignore[return-value]
    return value
