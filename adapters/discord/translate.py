"""Discord → core: members become MemberInfo facts, people become Actors, interactions become
events. Pure functions over discord.py's objects; no I/O and no rule about who may do what."""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

import discord

from bot.domain import Platform, TeamPath
from bot.events import Actor, DirectMessage, Where
from bot.ports import MemberInfo

MAX_CUSTOM_ID = 100
MAX_NONCE = 25
BUTTON_ID = re.compile(r"bw:(?P<guild>\d+):(?P<channel>\d+):(?P<action>[a-z_-]+):(?P<value>.*)")
FORM_ID = re.compile(r"bwf:(?P<guild>\d+):(?P<channel>\d+):(?P<form>.+)")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CHANNEL_MENTION = re.compile(r"<#(\d+)>")


@dataclass(frozen=True)
class Rules:
    """How a guild's roles map onto Bridgework's facts.

    ``team_prefix`` marks team roles (``team:Acme/Engineering`` → team ``Acme/Engineering``);
    ``team_roles`` lists further role names that are teams as they are named. ``opt_in_role``,
    when set, is the role that puts someone in the community (``coffee``); without one, the
    community is everyone who can see the pairing channel.
    """

    team_prefix: str = "team:"
    team_roles: tuple[str, ...] = ()
    opt_in_role: str | None = None


def team_of(roles: Iterable[discord.Role], rules: Rules) -> str | None:
    """The team a member's roles name: the highest team role naming one (as named: the core
    cuts a path over its limits)."""
    for role in sorted(roles, key=lambda r: r.position, reverse=True):
        if rules.team_prefix and role.name.startswith(rules.team_prefix):
            name = role.name.removeprefix(rules.team_prefix)
        elif role.name in rules.team_roles:
            name = role.name
        else:
            continue
        if TeamPath.clipped(name) is not None:
            return name.strip()
    return None


def member_info(member: discord.Member, rules: Rules) -> MemberInfo:
    """The facts about a guild member. Discord profiles carry no time zone; a pending member
    (one who has not passed the server's rules screening) counts as a guest."""
    return MemberInfo(
        platform_id=str(member.id),
        display_name=member.display_name,
        timezone=None,
        team=team_of(member.roles, rules),
        bot=member.bot,
        guest=member.pending,
    )


def in_space(member: discord.Member, channel: discord.abc.GuildChannel, rules: Rules) -> bool:
    """Whether ``member`` belongs to the community of ``channel`` (by role, or by seeing it)."""
    if rules.opt_in_role is not None:
        return any(role.name == rules.opt_in_role for role in member.roles)
    return channel.permissions_for(member).view_channel


def in_linked(member: discord.Member, rules: Rules) -> bool:
    """Whether a member of a linked server (which has no pairing channel of its own) takes part:
    by the opt-in role where one is set, else everyone."""
    if rules.opt_in_role is not None:
        return any(role.name == rules.opt_in_role for role in member.roles)
    return True


def actor(person: discord.Member | discord.User) -> Actor:
    """Who acted, with their facts: Manage Server (or Administrator) in their server (``home``),
    and their role names."""
    if isinstance(person, discord.Member):
        permissions = person.guild_permissions
        return Actor(
            platform_id=str(person.id),
            display_name=person.display_name,
            platform_admin=permissions.manage_guild or permissions.administrator,
            platform_roles=frozenset(r.name for r in person.roles if not r.is_default()),
            home=frozenset({str(person.guild.id)}),
        )
    return Actor(platform_id=str(person.id), display_name=person.display_name)


def direct_message(person: discord.User | discord.Member, message_id: int) -> DirectMessage:
    """A direct message to the bot: who wrote it and its id (not what it says)."""
    return DirectMessage(Platform.DISCORD, actor(person), str(message_id))


def where(guild_id: int | str, channel: discord.abc.Snowflake | None, channel_id: int) -> Where:
    """The community's place: a thread counts as its parent channel (the pairing channel)."""
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        channel_id = channel.parent_id
    return Where(Platform.DISCORD, str(guild_id), str(channel_id))


def button_id(guild: str, channel: str, action: str, value: str) -> str:
    """A persistent custom id naming the community, so a press in a DM finds its way home."""
    custom_id = f"bw:{guild}:{channel}:{action}:{value}"
    if len(custom_id) > MAX_CUSTOM_ID or BUTTON_ID.fullmatch(custom_id) is None:
        raise ValueError(f"a button's action and value do not fit a custom id: {custom_id!r}")
    return custom_id


def parse_button_id(custom_id: str) -> tuple[Where, str, str] | None:
    """(where, action, value) from a custom id made by :func:`button_id`."""
    match = BUTTON_ID.fullmatch(custom_id)
    if match is None:
        return None
    place = Where(Platform.DISCORD, match["guild"], match["channel"])
    return place, match["action"], match["value"]


def form_id(guild: str, channel: str, form: str) -> str:
    custom_id = f"bwf:{guild}:{channel}:{form}"
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(f"a form id does not fit a custom id: {custom_id!r}")
    return custom_id


def parse_form_id(custom_id: str) -> tuple[Where, str] | None:
    match = FORM_ID.fullmatch(custom_id)
    if match is None:
        return None
    return Where(Platform.DISCORD, match["guild"], match["channel"]), match["form"]


def nonce(key: str) -> str:
    """A message nonce for an idempotency key: Discord takes at most 25 characters."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:MAX_NONCE]


def pause_text(until: str) -> str:
    """``/bridgework pause until:2027-01-15`` or ``until:2 weeks`` as the core's command text."""
    value = until.strip()
    return f"pause until {value}" if DATE.fullmatch(value) else f"pause {value}"


def channel_mentions(text: str) -> tuple[str, frozenset[str]]:
    """Discord's channel mentions (``<#123>``) as the core's ``#123``, and the ids mentioned."""
    ids = frozenset(CHANNEL_MENTION.findall(text))
    return CHANNEL_MENTION.sub(r"#\1", text), ids


def quoted(text: str) -> str:
    """A text option as one quoted word of a command line (curly quotes made straight first,
    as the core's parser makes them)."""
    straight = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    return shlex.quote(" ".join(straight.split()))


def command_text(subcommand: str, *arguments: str) -> str:
    """A subcommand and its options as the text the core's parser reads."""
    return " ".join(part.strip() for part in (subcommand, *arguments) if part.strip())
