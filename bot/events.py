"""Inbound events: what adapters hand to the core. Frozen, platform-neutral."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain import Platform


@dataclass(frozen=True)
class Actor:
    """Who did something, with the facts their platform gives about them.

    ``platform_admin`` and ``platform_roles`` are facts (a Slack workspace admin, a Discord member
    with Manage Server, the names of their Discord roles); what they allow is decided by the core.
    ``listed`` says whether the platform lists them among the community's people (Discord: they
    hold its opt-in role, or see its channel); None where the adapter cannot tell cheaply.
    ``platform_team`` is the team the platform decides for them (a Discord team role), if any.
    """

    platform_id: str
    display_name: str
    platform_admin: bool = False
    platform_roles: frozenset[str] = field(default_factory=frozenset)
    timezone: str | None = None
    listed: bool | None = None
    platform_team: str | None = None


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


InstallEvent = Uninstalled | Installed
Event = CommandInvoked | ButtonPressed | FormSubmitted | MemberJoined | MemberLeft | MessagePosted
