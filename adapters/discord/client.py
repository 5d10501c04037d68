"""discord.py wiring. Each callback translates what Discord sent, hands it to the core, and shows
the core's answer; nothing here decides who may do what.

- a guild becomes available: its commands (``/bridgework``, ``/bridgework-lead``,
  ``/bridgework-admin``) are synced, its communities' members synced with the core (and any
  marked uninstalled are installed again);
- the bot is removed from a guild (``on_guild_remove``): its communities are uninstalled;
- a member joins, leaves or changes roles, a role is renamed, a channel's overwrites change:
  the guild's communities are synced again, shortly (once for a burst of changes);
- a slash command, a button, a modal: a core event; the answer is shown ephemerally;
- a message in a thread (only when reading messages is turned on): a core event; an answer to it
  goes by direct message. A direct message to the bot: a core event (its text is not read)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import discord
from discord import PartialMessageable, app_commands

from adapters.discord import render, translate
from adapters.discord.chat import DiscordChat
from adapters.discord.commands import HOME, all_commands
from adapters.discord.limits import Pacer, trace
from adapters.discord.threads import DMS, delivery_mode
from adapters.discord.views import ActionButton, FormModal, button_view
from bot.core import Core
from bot.delivery.limits import Limits
from bot.domain import Community, Platform
from bot.errors import DeliveryError, RateLimited
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    Installed,
    MessagePosted,
    Uninstalled,
    Where,
)
from bot.messages import Form, Message, Text
from bot.ports import Chat
from bot.texts import copy

log = logging.getLogger(__name__)

STATUS = "status"
REMOVED = "removed from the guild"


def intents(*, read_messages: bool = False) -> discord.Intents:
    """Guilds, members (privileged) and direct messages (a DM answers an intro sent by DM; its
    content is not needed); guild messages and content (privileged) with ``read_messages``."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.members = True
    chosen.dm_messages = True
    if read_messages:
        chosen.guild_messages = True
        chosen.message_content = True
    return chosen


class Chats:
    """One DiscordChat per community (guild and pairing channel), kept for the process."""

    def __init__(self, client: discord.Client, rules: translate.Rules) -> None:
        self.client = client
        self.rules = rules
        self.interactions: dict[str, discord.Interaction[Any]] = {}
        self._chats: dict[tuple[str, str], DiscordChat] = {}

    def __call__(self, community: Community) -> Chat:
        chat = self.at(community.workspace, community.channel)
        chat.linked = community.linked
        return chat

    def at(self, guild: str, channel: str) -> DiscordChat:
        key = (guild, channel)
        if key not in self._chats:
            self._chats[key] = DiscordChat(
                self.client, guild, channel, self.rules, self.interactions
            )
        return self._chats[key]

    def mode(self, guild: str, channel: str) -> str:
        chat = self._chats.get((guild, channel))
        return chat.mode() if chat is not None else delivery_mode(self.client, guild, channel)


def quiet_voice() -> None:
    """Bridgework has no voice: discord.py's warnings that voice support is missing are noise."""
    discord.VoiceClient.warn_nacl = False
    if hasattr(discord.VoiceClient, "warn_dave"):
        discord.VoiceClient.warn_dave = False


class BridgeworkClient(discord.Client):
    def __init__(
        self,
        core: Core,
        *,
        rules: translate.Rules | None = None,
        limits: Limits | None = None,
        sync_delay: float = 2.0,
        read_messages: bool = False,
        auto_sync: bool = True,
        **options: Any,
    ) -> None:
        quiet_voice()
        super().__init__(
            intents=intents(read_messages=read_messages),
            http_trace=trace(),
            **options,
        )
        # Every REST call waits on the rate limits shared through the core's database.
        self.pacer = Pacer.install(self.http, limits if limits is not None else core.limits)
        self.core = core
        self.rules = rules or translate.Rules()
        self.sync_delay = sync_delay
        self.auto_sync = auto_sync  # sync members when a guild comes and as members change
        self.tree = app_commands.CommandTree(self)
        for command in all_commands(self.run_command):
            self.tree.add_command(command)
        self.chats = Chats(self, self.rules)
        self.synced = asyncio.Event()  # set after each sync of members, for whoever waits
        self._commands_synced: set[int] = set()
        self._pending: dict[int, asyncio.Task[None]] = {}

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)

    async def close(self) -> None:
        for task in self._pending.values():
            task.cancel()
        await super().close()

    # Guilds and members.

    async def on_guild_available(self, guild: discord.Guild) -> None:
        # The bot is in the guild: a community marked uninstalled (the bot added back, even
        # while this process was down) is installed again.
        await self.core.installation(Installed(Platform.DISCORD, str(guild.id)))
        await self._sync_commands(guild)
        if self.auto_sync:
            await self.sync_guild(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.on_guild_available(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """GUILD_DELETE without ``unavailable``: the bot was removed (or the guild deleted)."""
        self._commands_synced.discard(guild.id)
        pending = self._pending.pop(guild.id, None)
        if pending is not None:
            pending.cancel()
        await self.core.installation(Uninstalled(Platform.DISCORD, str(guild.id), REMOVED))

    async def on_member_join(self, member: discord.Member) -> None:
        self.schedule_sync(member.guild)

    async def on_member_remove(self, member: discord.Member) -> None:
        self.schedule_sync(member.guild)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        changed = (before.roles, before.display_name, before.pending) != (
            after.roles,
            after.display_name,
            after.pending,
        )
        if changed:
            self.schedule_sync(after.guild)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        if before.name != after.name or before.permissions != after.permissions:
            self.schedule_sync(after.guild)

    async def on_guild_channel_update(
        self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        if before.overwrites != after.overwrites:
            self.schedule_sync(after.guild)  # who can see a pairing channel may have changed

    def schedule_sync(self, guild: discord.Guild) -> None:
        """Sync the guild's communities soon, once for a burst of changes."""
        if self.auto_sync and guild.id not in self._pending:
            self._pending[guild.id] = asyncio.create_task(self._sync_later(guild))

    async def _sync_later(self, guild: discord.Guild) -> None:
        await asyncio.sleep(self.sync_delay)
        self._pending.pop(guild.id, None)
        await self.sync_guild(guild)

    async def sync_guild(self, guild: discord.Guild) -> None:
        """Bring each community in ``guild`` in line with who is in it now: each by its own
        channel (its visibility, or the opt-in role), never by another channel's."""
        for community in await self.core.communities_reaching(Platform.DISCORD, str(guild.id)):
            try:
                await self.core.sync_community(community.id, self.chats(community))
            except DeliveryError as exc:
                log.warning("community %s (guild %s): not synced: %s", community.id, guild.id, exc)
        self.synced.set()

    async def _sync_commands(self, guild: discord.Guild) -> None:
        if guild.id in self._commands_synced:
            return
        self.tree.copy_global_to(guild=guild)
        try:
            await self.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.warning(
                "guild %s: could not register its slash commands (%s %s); was the bot invited with "
                "the applications.commands scope?",
                guild.id,
                exc.status,
                exc.code,
            )
            return
        self._commands_synced.add(guild.id)

    # Messages (with read_messages only): an answer in a thread, such as a prompt's.

    async def on_message(self, message: discord.Message) -> None:
        thread = message.channel
        if message.author.bot:
            return
        if isinstance(thread, discord.DMChannel):  # it answers introductions sent by DM
            await self.core.handle(translate.direct_message(message.author, message.id))
        if message.guild is None or not isinstance(thread, discord.Thread | PartialMessageable):
            return
        where = translate.where(message.guild.id, thread, thread.id)
        actor = translate.actor(message.author)
        event = MessagePosted(
            where, actor, message.content, thread=str(thread.id), message=str(message.id)
        )
        reply = await self.core.handle(event)
        if reply is not None:
            await self._tell(message.author, where, reply)

    async def _tell(
        self, person: discord.User | discord.Member, where: Where, reply: Message
    ) -> None:
        """A reply with no interaction to answer privately: a direct message."""
        for piece in render.render(reply, guild=where.workspace, channel=where.channel):
            try:
                await person.send(**_reply_arguments(piece))
            except discord.HTTPException as exc:
                log.warning("could not tell %s (%s %s)", person.id, exc.status, exc.code)
                return
            except RateLimited as exc:
                log.warning("could not tell %s: %s", person.id, exc)
                return

    # Interactions.

    async def run_command(self, interaction: discord.Interaction[Any], command: str) -> None:
        if interaction.guild_id is None:
            return
        where = translate.where(
            interaction.guild_id, interaction.channel, interaction.channel_id or 0
        )
        home = await self._home_of(where)
        actor = self._listed(translate.actor(interaction.user), interaction.user, home)
        reply: Message | None
        if not interaction.app_permissions.view_channel:
            reply = Text(copy("discord.cannot_see", channel=_name(interaction.channel)))
        elif command == HOME:
            reply = await self.core.home(where, actor)
        else:
            key = str(interaction.id)
            self.chats.interactions[key] = interaction
            said, mentioned = translate.channel_mentions(command)
            channels = frozenset(c for c in mentioned if self._may_post(where.workspace, c))
            try:
                me = str(interaction.client.user.id) if interaction.client.user else ""
                event = CommandInvoked(
                    where, actor, said, interaction=key, channels=channels, me=me
                )
                reply = await self.core.handle(event)
            finally:
                self.chats.interactions.pop(key, None)
        if command == STATUS and isinstance(reply, Text) and home is not None:
            reply = self._with_mode(home, reply)
        await self.respond(interaction, home or where, reply)

    async def pressed(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        parsed = translate.parse_button_id(custom_id)
        if parsed is None:
            return
        where, action, value = parsed
        person = self._person(interaction, where)
        actor = self._listed(translate.actor(person), person, await self._home_of(where))
        event = ButtonPressed(where, actor, action, value, interaction=str(interaction.id))
        await self.respond(interaction, where, await self.core.handle(event))

    async def submitted(
        self, interaction: discord.Interaction[Any], custom_id: str, values: dict[str, str]
    ) -> None:
        parsed = translate.parse_form_id(custom_id)
        if parsed is None:
            return
        where, form = parsed
        actor = translate.actor(self._person(interaction, where))
        event = FormSubmitted(where, actor, form, tuple(sorted(values.items())))
        await self.respond(interaction, where, await self.core.handle(event))

    def _may_post(self, guild_id: str, channel_id: str) -> bool:
        """Whether the bot can see and post in a channel of the guild (a fact for the core)."""
        guild = self.get_guild(int(guild_id))
        channel = guild.get_channel(int(channel_id)) if guild else None
        if guild is None or not isinstance(channel, discord.TextChannel):
            return False
        allowed = channel.permissions_for(guild.me)
        return allowed.view_channel and allowed.send_messages

    def _person(self, interaction: discord.Interaction[Any], where: Where) -> Any:
        """The member behind an interaction; in a DM, looked up in the community's guild."""
        if isinstance(interaction.user, discord.Member):
            return interaction.user
        guild = self.get_guild(int(where.workspace))
        member = guild.get_member(interaction.user.id) if guild else None
        return member or interaction.user

    def _listed(self, actor: Actor, person: object, home: Where | None) -> Actor:
        """``actor`` with the facts whether ``person`` is one of the community's people, and
        which team their roles name."""
        guild = self.get_guild(int(home.workspace)) if home is not None else None
        channel = guild.get_channel(int(home.channel)) if guild and home else None
        if not isinstance(person, discord.Member):
            return actor
        actor = replace(actor, platform_team=translate.team_of(person.roles, self.rules))
        if not isinstance(channel, discord.TextChannel):
            return actor
        return replace(actor, listed=translate.in_space(person, channel, self.rules))

    async def _home_of(self, where: Where) -> Where | None:
        """The place of the community the core serves ``where`` from (its pairing channel)."""
        community = await self.core.community(where)
        if community is None:
            return None
        return Where(where.platform, community.workspace, community.channel)

    def _with_mode(self, where: Where, reply: Text) -> Text:
        guild = self.get_guild(int(where.workspace))
        channel = guild.get_channel(int(where.channel)) if guild else None
        name = channel.name if channel else where.channel
        mode = self.chats.mode(where.workspace, where.channel)
        if mode == DMS:
            note = copy("discord.mode.dms", channel=name)
        else:
            note = copy("discord.mode.threads", channel=name)
        return Text(f"{reply.body}\n{note}")

    async def respond(
        self, interaction: discord.Interaction[Any], where: Where, reply: Message | None
    ) -> None:
        """Show the core's answer to the person alone (a modal, for a form)."""
        try:
            if reply is None:
                await interaction.response.defer(ephemeral=True)
                return
            if isinstance(reply, Form):
                spec = render.modal(reply, guild=where.workspace, channel=where.channel)
                await interaction.response.send_modal(FormModal(spec))
                return
            pieces = render.render(reply, guild=where.workspace, channel=where.channel)
            first, rest = pieces[0], pieces[1:]
            await interaction.response.send_message(ephemeral=True, **_reply_arguments(first))
            for piece in rest:
                await interaction.followup.send(ephemeral=True, **_reply_arguments(piece))
        except discord.HTTPException as exc:
            log.warning(
                "interaction %s: could not answer (%s %s)", interaction.id, exc.status, exc.code
            )


class ShardedBridgeworkClient(BridgeworkClient, discord.AutoShardedClient):
    """The same client over several gateway connections (discord.py's AutoShardedClient):
    Discord requires shards past 2,500 guilds. ``shard_count=None`` takes the number Discord
    recommends (GET /gateway/bot)."""


def _name(channel: object) -> str:
    return str(getattr(channel, "name", None) or "this channel")


def _reply_arguments(piece: render.Piece) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "embeds": list(piece.embeds),
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if piece.content is not None:
        arguments["content"] = piece.content
    view = button_view(piece.buttons)
    if view is not None:
        arguments["view"] = view
    return arguments
