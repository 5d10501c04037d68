"""What the fake Discord knows: users, guilds with roles, members and channels, and messages.

Payloads are shaped as Discord's documentation shows them (users, guild members, roles, channels,
threads, messages, interactions), so discord.py parses them as it parses Discord's own.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]

EPOCH_2027 = 1798761600000  # ms; snowflakes count from Discord's epoch, 2015-01-01
DISCORD_EPOCH = 1420070400000
TIMESTAMP = "2027-01-04T09:00:00.000000+00:00"

GUILD_TEXT, DM, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 11, 12
LARGE_THRESHOLD = 250  # what discord.py asks for in IDENTIFY
VIEW_CHANNEL = 1 << 10
READ_MESSAGE_HISTORY = 1 << 16
SEND_MESSAGES = 1 << 11
MANAGE_GUILD = 1 << 5
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | (1 << 16)
BOT_PERMISSIONS = MEMBER_PERMISSIONS | CREATE_PRIVATE_THREADS | (1 << 35)


class Snowflakes:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> str:
        """A new id, a millisecond after the last one, as Discord's ids carry their creation
        time in their upper bits (which also spreads guilds over shards: ``(id >> 22) % n``)."""
        count = next(self._counter)
        return str(((EPOCH_2027 - DISCORD_EPOCH + count) << 22) | (count % 4096))


@dataclass
class User:
    id: str
    username: str
    global_name: str | None = None
    bot: bool = False

    def payload(self) -> JsonObject:
        return {
            "id": self.id,
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class Role:
    id: str
    name: str
    position: int
    permissions: int = 0

    def payload(self) -> JsonObject:
        return {
            "id": self.id,
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": True,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    roles: list[str] = field(default_factory=list)
    nick: str | None = None
    pending: bool = False

    def payload(self) -> JsonObject:
        return {
            "user": self.user.payload(),
            "nick": self.nick,
            "avatar": None,
            "roles": list(self.roles),
            "joined_at": TIMESTAMP,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": self.pending,
            "communication_disabled_until": None,
        }


@dataclass
class Channel:
    id: str
    type: int
    name: str = ""
    guild_id: str | None = None
    parent_id: str | None = None
    owner_id: str | None = None
    recipients: list[User] = field(default_factory=list)
    overwrites: list[JsonObject] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # a thread's members, in the order added
    last_message_id: str | None = None
    message_count: int = 0  # a thread's messages now (Discord counts the starter message apart)
    total_message_sent: int = 0  # and every message ever sent in it

    def payload(self) -> JsonObject:
        if self.type == DM:
            return {
                "id": self.id,
                "type": DM,
                "last_message_id": self.last_message_id,
                "recipients": [u.payload() for u in self.recipients],
            }
        data: JsonObject = {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": 0,
            "permission_overwrites": list(self.overwrites),
            "nsfw": False,
            "parent_id": self.parent_id,
            "topic": None,
            "last_message_id": self.last_message_id,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.type in (PUBLIC_THREAD, PRIVATE_THREAD):
            data.update(
                owner_id=self.owner_id,
                member_count=len(self.members),
                message_count=self.message_count,
                total_message_sent=self.total_message_sent,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 10080,
                    "archive_timestamp": TIMESTAMP,
                    "locked": False,
                    "invitable": self.type == PUBLIC_THREAD,
                    "create_timestamp": TIMESTAMP,
                },
            )
            del data["permission_overwrites"], data["position"], data["topic"]
        return data


@dataclass
class Guild:
    id: str
    name: str
    owner_id: str
    roles: list[Role] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)

    @property
    def everyone(self) -> Role:
        return self.roles[0]

    def role_named(self, name: str) -> Role:
        return next(r for r in self.roles if r.name == name)

    def permissions_of(self, user_id: str) -> int:
        if user_id == self.owner_id:
            return (1 << 53) - 1
        member = self.members[user_id]
        total = self.everyone.permissions
        for role in self.roles:
            if role.id in member.roles:
                total |= role.permissions
        return total

    @property
    def large(self) -> bool:
        return len(self.members) > LARGE_THRESHOLD

    def _members_sent(self, world: World) -> list[Member]:
        """All members, as Discord sends them for a small guild; for a large one only the bot,
        and the client must ask for the rest (REQUEST_GUILD_MEMBERS)."""
        if self.large:
            return [self.members[world.bot.id]]
        return list(self.members.values())

    def payload(self, world: World) -> JsonObject:
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles],
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
            "joined_at": TIMESTAMP,
            "large": self.large,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [m.payload() for m in self._members_sent(world)],
            "channels": [world.channels[c].payload() for c in self.channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class World:
    """The fake's state. Tests build it with :meth:`add_guild`, :meth:`add_member` and friends."""

    ids: Snowflakes = field(default_factory=Snowflakes)
    users: dict[str, User] = field(default_factory=dict)
    guilds: dict[str, Guild] = field(default_factory=dict)
    left: dict[str, Guild] = field(default_factory=dict)  # guilds the bot was removed from
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, JsonObject] = field(default_factory=dict)
    dms_closed: set[str] = field(default_factory=set)
    members_intent: bool = True  # the portal's "Server Members Intent" switch
    commands: dict[str, list[JsonObject]] = field(default_factory=dict)  # guild → registered
    # (guild, command name) → role, user or @everyone (the guild's) id → allowed: what a
    # server's admins set under Server Settings → Integrations
    command_overwrites: dict[tuple[str, str], dict[str, bool]] = field(default_factory=dict)
    recommended_shards: int = 1  # what GET /gateway/bot recommends
    nonce_window: float = 300.0  # how long Discord answers a repeated nonce with the first message
    elapsed: float = 0.0  # time passed on Discord's side beyond the real clock (see advance)
    created: dict[str, float] = field(default_factory=dict)  # message id → when it was made
    bot: User = field(init=False)
    application_id: str = field(init=False)

    def __post_init__(self) -> None:
        self.application_id = self.ids.next()
        self.bot = User(self.application_id, "bridgework", bot=True)
        self.users[self.bot.id] = self.bot

    def now(self) -> float:
        return time.monotonic() + self.elapsed

    def advance(self, seconds: float) -> None:
        """Time passes on Discord's side (a nonce window runs out) without the test waiting."""
        self.elapsed += seconds

    def posted(self, message: JsonObject) -> None:
        """A message is stored in its channel, which counts it."""
        self.messages[message["id"]] = message
        self.created[message["id"]] = self.now()
        channel = self.channels[message["channel_id"]]
        channel.last_message_id = message["id"]
        channel.message_count += 1
        channel.total_message_sent += 1

    def add_user(self, username: str, *, global_name: str | None = None, bot: bool = False) -> User:
        user = User(self.ids.next(), username, global_name, bot)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str) -> Guild:
        owner = self.add_user(f"{name.lower()}-owner", global_name=f"{name} Owner")
        guild = Guild(self.ids.next(), name, owner.id)
        guild.roles.append(Role(guild.id, "@everyone", 0, MEMBER_PERMISSIONS))
        guild.members[owner.id] = Member(owner)
        bot_role = self.add_role(guild, "Bridgework", permissions=BOT_PERMISSIONS)
        guild.members[self.bot.id] = Member(self.bot, [bot_role.id])
        self.guilds[guild.id] = guild
        return guild

    def remove_bot(self, guild: Guild) -> None:
        """A server admin removes (kicks) the bot: the guild is no longer the bot's, and its
        channels answer Missing Access."""
        self.left[guild.id] = self.guilds.pop(guild.id)

    def add_bot_back(self, guild: Guild) -> None:
        """The bot is invited to the guild again, as it was."""
        self.guilds[guild.id] = self.left.pop(guild.id)

    def add_role(self, guild: Guild, name: str, *, permissions: int = 0) -> Role:
        role = Role(self.ids.next(), name, len(guild.roles), permissions)
        guild.roles.append(role)
        return role

    def add_channel(self, guild: Guild, name: str) -> Channel:
        channel = Channel(self.ids.next(), GUILD_TEXT, name, guild_id=guild.id)
        self.channels[channel.id] = channel
        guild.channels.append(channel.id)
        return channel

    def add_member(
        self, guild: Guild, name: str, *, roles: tuple[str, ...] = (), bot: bool = False
    ) -> Member:
        user = self.add_user(name.lower().replace(" ", "."), global_name=name, bot=bot)
        member = Member(user, [guild.role_named(r).id for r in roles])
        guild.members[user.id] = member
        return member

    def set_command_access(self, guild: Guild, command: str, who: str, allowed: bool) -> None:
        """An admin allows or denies ``command`` to a role, a member, or @everyone (the guild's
        id) under Server Settings → Integrations."""
        self.command_overwrites.setdefault((guild.id, command), {})[who] = allowed

    def start_thread(self, message: JsonObject, name: str, owner: User) -> Channel:
        """A person starts a public thread from a message (the thread takes the message's id)."""
        parent = self.channels[message["channel_id"]]
        thread = Channel(
            message["id"],
            PUBLIC_THREAD,
            name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            members=[owner.id],
        )
        self.channels[thread.id] = thread
        return thread

    def message_from(self, user: User, channel: Channel, content: str) -> JsonObject:
        """A MESSAGE_CREATE payload: ``user`` writes ``content`` in ``channel``."""
        data: JsonObject = {
            "id": self.ids.next(),
            "channel_id": channel.id,
            "author": user.payload(),
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
        }
        if channel.guild_id is not None:
            data["guild_id"] = channel.guild_id
            member = self.guilds[channel.guild_id].members[user.id].payload()
            data["member"] = {k: v for k, v in member.items() if k != "user"}
        return data

    def forbid_private_threads(self, channel: Channel) -> None:
        """Deny the bot's role Create Private Threads in ``channel`` (an overwrite, as Discord)."""
        assert channel.guild_id is not None
        bot_role = self.guilds[channel.guild_id].role_named("Bridgework")
        channel.overwrites.append(
            {"id": bot_role.id, "type": 0, "allow": "0", "deny": str(CREATE_PRIVATE_THREADS)}
        )

    def hide_from_bot(self, channel: Channel) -> None:
        """Deny the bot's role View Channel in ``channel``."""
        assert channel.guild_id is not None
        bot_role = self.guilds[channel.guild_id].role_named("Bridgework")
        channel.overwrites.append(
            {"id": bot_role.id, "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}
        )

    def make_private(self, channel: Channel, *roles: str) -> None:
        """Hide ``channel`` from @everyone and show it to the holders of ``roles``."""
        assert channel.guild_id is not None
        guild = self.guilds[channel.guild_id]
        channel.overwrites.append(
            {"id": guild.everyone.id, "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}
        )
        for name in roles:
            role = guild.role_named(name)
            channel.overwrites.append(
                {"id": role.id, "type": 0, "allow": str(VIEW_CHANNEL), "deny": "0"}
            )

    def bot_permissions(self, channel: Channel) -> int:
        """The bot's permissions in ``channel`` as Discord computes them: its roles', then the
        channel's @everyone overwrite, its roles' overwrites together, its own overwrite."""
        if channel.guild_id is None:
            return VIEW_CHANNEL | SEND_MESSAGES
        if channel.guild_id not in self.guilds:
            return 0  # the bot is no longer in the guild
        guild = self.guilds[channel.guild_id]
        allowed = guild.permissions_of(self.bot.id)
        member_roles = set(guild.members[self.bot.id].roles)
        by_id = {o["id"]: o for o in channel.overwrites}
        everyone = by_id.get(guild.everyone.id)
        if everyone is not None:
            allowed = (allowed & ~int(everyone["deny"])) | int(everyone["allow"])
        deny = allow = 0
        for overwrite in channel.overwrites:
            if overwrite["id"] in member_roles:
                deny |= int(overwrite["deny"])
                allow |= int(overwrite["allow"])
        allowed = (allowed & ~deny) | allow
        own = by_id.get(self.bot.id)
        if own is not None:
            allowed = (allowed & ~int(own["deny"])) | int(own["allow"])
        return allowed

    def bot_may(self, channel: Channel, permission: int) -> bool:
        return bool(self.bot_permissions(channel) & permission)

    def shares_a_guild(self, user_id: str) -> bool:
        """Whether the bot and ``user_id`` are members of one server (a bot may DM only them)."""
        return any(user_id in g.members and self.bot.id in g.members for g in self.guilds.values())

    def guild_of(self, channel_id: str) -> Guild | None:
        channel = self.channels.get(channel_id)
        if channel is None or channel.guild_id is None:
            return None
        return self.guilds.get(channel.guild_id)
