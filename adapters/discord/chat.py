"""The Chat port on Discord, bound to one community: its guild and its pairing channel.

A group is a private thread in the pairing channel with its people added; where the bot may not
open private threads there, each person gets a direct message naming the others. Sending is
idempotent per key: a message nonce derived from the key with ``enforce_nonce`` (Discord answers
a repeated nonce with the first message), and a memory of what this process already sent.
Discord's failures come back as the core's RateLimited, Undeliverable and PlatformUnavailable.
"""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Literal, TypeVar

import aiohttp
import discord

from adapters.discord import doubt, render, translate
from adapters.discord.views import FormModal, button_view
from bot.domain import first_name_of
from bot.errors import PlatformUnavailable, RateLimited, Undeliverable
from bot.messages import Form, Message
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef
from bot.texts import copy

log = logging.getLogger(__name__)

DM_PREFIX = "dm:"
MAX_THREAD_NAME = 100
WEEK_MINUTES: Literal[10080] = 10080
PRIVATE_THREAD: Literal[12] = 12
MISSING_PERMISSIONS, MISSING_ACCESS = 50013, 50001
THREADS, DMS = "threads", "dms"


K = TypeVar("K")
V = TypeVar("V")


class Recent(OrderedDict[K, V]):
    """A dict that forgets its oldest entries beyond ``limit``, so a long-running process
    does not grow without end."""

    def __init__(self, limit: int = 20_000) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


class DiscordChat:
    def __init__(
        self,
        client: discord.Client,
        guild: str,
        channel: str,
        rules: translate.Rules,
        interactions: dict[str, discord.Interaction[Any]] | None = None,
        linked: Sequence[str] = (),
    ) -> None:
        self.client = client
        self.guild = guild
        self.channel = channel
        self.linked = tuple(linked)  # a coalition's other servers, whose members take part
        self.rules = rules
        self.interactions = interactions if interactions is not None else {}
        # What this process did, for retries within it (the nonce covers the rest); bounded.
        self._sent: Recent[str, SentRef] = Recent()
        self._posted: Recent[str, str] = Recent()  # piece key → message id
        self._threads: Recent[frozenset[str], str] = Recent()
        self._added: Recent[str, set[str]] = Recent()
        self._dms: Recent[str, int] = Recent()
        self._threads_refused = False
        self._active: list[dict[str, Any]] | None = None  # the bot's open threads, read once

    # The port.

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        guild = self.client.get_guild(int(space.workspace))
        channel = guild.get_channel(int(space.channel)) if guild else None
        if guild is None or channel is None:
            raise PlatformUnavailable(f"guild {space.workspace} is not available yet")
        if not guild.chunked:
            async with self._discord(f"list the members of guild {guild.id}"):
                await guild.chunk()
        infos = [
            translate.member_info(m, self.rules)
            for m in guild.members
            if translate.in_space(m, channel, self.rules)
        ]
        if self.linked:
            infos = await self._coalition(guild, infos)
        if progress is not None:
            progress(len(infos), len(infos))
        return infos

    async def _coalition(self, home: discord.Guild, infos: list[MemberInfo]) -> list[MemberInfo]:
        """The home server's members and every linked server's, each under their server's name
        (their organisation); someone in several servers counts once, for the first."""
        found = [replace(i, organisation=home.name) for i in infos]
        seen = {i.platform_id for i in found}
        for linked in self.linked:
            guild = self.client.get_guild(int(linked))
            if guild is None:  # never guess who left: the sync waits for the server
                raise PlatformUnavailable(f"linked guild {linked} is not available")
            if not guild.chunked:
                async with self._discord(f"list the members of guild {guild.id}"):
                    await guild.chunk()
            for member in guild.members:
                if str(member.id) in seen or not translate.in_linked(member, self.rules):
                    continue
                seen.add(str(member.id))
                info = translate.member_info(member, self.rules)
                found.append(replace(info, organisation=guild.name))
        return found

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        """A private thread in the pairing channel; direct messages for one person, where
        threads are not allowed, or where someone is not in the channel's server (a linked
        server's member: a thread holds only its own server's people)."""
        if len(people) == 1 or self.mode() == DMS or not self._all_here(people):
            return ConversationRef(DM_PREFIX + ",".join(people))
        try:
            thread_id = await self._thread_for(people)
        except discord.Forbidden as exc:
            if exc.code not in (MISSING_PERMISSIONS, MISSING_ACCESS):
                raise Undeliverable(self._reason("open a private thread", exc)) from None
            log.warning(
                "guild %s: may not open private threads in %s; sending direct messages",
                self.guild,
                self.channel,
            )
            self._threads_refused = True
            return ConversationRef(DM_PREFIX + ",".join(people))
        await self._add_people(thread_id, people)
        return ConversationRef(thread_id)

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        if key in self._sent:
            return self._sent[key]
        if where.id.startswith(DM_PREFIX):
            sent = await self._send_dms(where, message, key)
        else:
            ids = await self._send_pieces(int(where.id), message, key)
            sent = SentRef(where, ",".join(ids))
        self._sent[key] = sent
        return sent

    async def sent_before(
        self, where: ConversationRef, message: Message, *, key: str
    ) -> SentRef | None:
        """The copy of a message in doubt that its thread already holds, if it holds all of
        it (:mod:`.doubt`); pieces found are not posted again. Direct messages rely on the
        nonce alone."""
        if key in self._sent or where.id.startswith(DM_PREFIX):
            return self._sent.get(key)
        pieces = self._render(message)
        me = str(self.client.user.id) if self.client.user else ""
        try:
            async with self._discord(f"look for message {key} in thread {where.id}"):
                found = await doubt.find(self.client.http, where.id, pieces, me)
        except Undeliverable as exc:  # no Read Message History there: the nonce alone
            log.warning("guild %s: %s; sending it again", self.guild, exc.reason)
            return None
        for index, message_id in enumerate(found):
            if message_id is not None:
                self._posted[key if index == 0 else f"{key}#{index}"] = message_id
        if None in found:
            return None
        log.info("guild %s: %s was in thread %s already; not sent again", self.guild, key, where.id)
        self._sent[key] = SentRef(where, ",".join(m for m in found if m))
        return self._sent[key]

    async def update(self, sent: SentRef, message: Message) -> None:
        pieces = self._render(message)
        for channel_id, message_ids in _targets(sent).items():
            if len(pieces) > len(message_ids):
                log.warning("guild %s: an update is longer than the message", self.guild)
            target = self.client.get_partial_messageable(channel_id)
            for message_id, piece in zip(message_ids, pieces, strict=False):
                async with self._discord(f"edit message {message_id}"):
                    await target.get_partial_message(message_id).edit(**_edit_arguments(piece))

    async def open_form(self, interaction: str, form: Form) -> None:
        live = self.interactions.pop(interaction, None)
        if live is None or live.response.is_done() or live.is_expired():
            raise Undeliverable(f"interaction {interaction} has expired or was answered")
        spec = render.modal(form, guild=self.guild, channel=self.channel)
        async with self._discord("open a form"):
            await live.response.send_modal(FormModal(spec))

    def _all_here(self, people: Sequence[str]) -> bool:
        if not self.linked:
            return True
        guild = self.client.get_guild(int(self.guild))
        return guild is not None and all(guild.get_member(int(p)) is not None for p in people)

    # What `status` reports, and how a group is opened.

    def mode(self) -> str:
        """Whether introductions go out as private threads or, where not allowed, as DMs."""
        if self._threads_refused:
            return DMS
        return delivery_mode(self.client, self.guild, self.channel)

    async def _thread_for(self, people: Sequence[str]) -> str:
        group = frozenset(people)
        if group in self._threads:
            return self._threads[group]
        names = ", ".join(await self._first_names(people))
        name = copy("discord.thread_name", names=names)[:MAX_THREAD_NAME]
        earlier = await self._earlier_thread(name, group)
        if earlier is not None:
            self._threads[group] = earlier
            return earlier
        async with self._discord("open a private thread", passthrough=discord.Forbidden):
            data = await self.client.http.start_thread_without_message(
                int(self.channel),
                name=name,
                auto_archive_duration=WEEK_MINUTES,
                type=PRIVATE_THREAD,
                invitable=False,
            )
        thread_id = str(data["id"])
        self._threads[group] = thread_id
        return thread_id

    async def _earlier_thread(self, name: str, group: frozenset[str]) -> str | None:
        """A thread this bot opened for ``group`` before a restart, if one is still open.

        An interrupted send (a crash after the thread was opened, before the outbox recorded
        it) then finishes in the same thread, where the message nonce makes its post a no-op.
        The guild's active threads are read once a process; only a thread of the same name is
        asked for its members. A thread of ours holding nobody else yet is the group's too: the
        crash came after Discord opened it, before anyone was added (one such thread serves
        one group)."""
        me = str(self.client.user.id) if self.client.user else ""
        if self._active is None:
            async with self._discord(f"list the open threads of guild {self.guild}"):
                data = await self.client.http.get_active_threads(self.guild)
            self._active = [
                dict(t)
                for t in data["threads"]
                if str(t.get("parent_id")) == self.channel and str(t.get("owner_id")) == me
            ]
        taken = set(self._threads.values())
        for thread in self._active:
            if thread["name"] != name or str(thread["id"]) in taken:
                continue
            async with self._discord(f"list the members of thread {thread['id']}"):
                members = await self.client.http.get_thread_members(thread["id"])
            present = {str(m["user_id"]) for m in members} - {me}
            if present <= group:
                self._added[str(thread["id"])] = present
                return str(thread["id"])
        return None

    async def _add_people(self, thread_id: str, people: Sequence[str]) -> None:
        if thread_id not in self._added:
            self._added[thread_id] = set()
        added = self._added[thread_id]
        for person in people:
            if person in added:
                continue
            try:
                async with self._discord(f"add a member to thread {thread_id}"):
                    await self.client.http.add_user_to_thread(int(thread_id), int(person))
            except Undeliverable as exc:
                log.warning("guild %s: %s", self.guild, exc.reason)
                continue
            added.add(person)
        if not added:
            raise Undeliverable(f"nobody could be added to thread {thread_id}")

    async def _first_names(self, people: Sequence[str]) -> list[str]:
        """The people's first names: from the gateway's cache, or (in a process without the
        gateway, such as a sender) from REST; someone who cannot be found is left out."""
        guild = self.client.get_guild(int(self.guild))
        names: list[str] = []
        for person in people:
            member = guild.get_member(int(person)) if guild else None
            if member is not None:
                names.append(first_name_of(member.display_name))
                continue
            try:
                async with self._discord(f"look up member {person}"):
                    data = await self.client.http.get_member(self.guild, person)
            except Undeliverable:
                continue
            user = data["user"]
            shown = data.get("nick") or user.get("global_name") or user["username"]
            names.append(first_name_of(shown))
        return names

    # Sending.

    def _render(self, message: Message) -> list[render.Piece]:
        return render.render(message, guild=self.guild, channel=self.channel)

    async def _send_pieces(self, channel_id: int, message: Message, key: str) -> list[str]:
        target = self.client.get_partial_messageable(channel_id)
        ids: list[str] = []
        for index, piece in enumerate(self._render(message)):
            piece_key = key if index == 0 else f"{key}#{index}"
            if piece_key not in self._posted:
                async with self._discord(f"send to channel {channel_id}"):
                    sent = await target.send(
                        nonce=translate.nonce(piece_key), **_send_arguments(piece)
                    )
                self._posted[piece_key] = str(sent.id)
            ids.append(self._posted[piece_key])
        return ids

    async def _send_dms(self, where: ConversationRef, message: Message, key: str) -> SentRef:
        people = [p for p in where.id.removeprefix(DM_PREFIX).split(",") if p]
        delivered: list[str] = []
        refused: list[str] = []
        for person in people:
            try:
                channel_id = await self._dm_channel(person)
                ids = await self._send_pieces(channel_id, message, f"{key}:{person}")
            except Undeliverable as exc:
                log.warning("guild %s: %s", self.guild, exc.reason)
                refused.append(person)
                continue
            delivered.extend(f"{channel_id}/{i}" for i in ids)
        if not delivered:
            raise Undeliverable(f"no direct message could be delivered to {', '.join(refused)}")
        return SentRef(where, ",".join(delivered))

    async def _dm_channel(self, person: str) -> int:
        if person not in self._dms:
            async with self._discord(f"open a direct message with {person}"):
                data = await self.client.http.start_private_message(person)
            self._dms[person] = int(data["id"])
        return self._dms[person]

    # Discord's failures as the core's.

    @asynccontextmanager
    async def _discord(
        self, doing: str, *, passthrough: type[Exception] | None = None
    ) -> AsyncIterator[None]:
        try:
            yield
        except discord.RateLimited as exc:
            raise RateLimited(exc.retry_after) from None
        except discord.HTTPException as exc:
            if passthrough is not None and isinstance(exc, passthrough):
                raise
            if exc.status == 429:
                raise RateLimited(60.0) from None  # refused before Discord: no retry_after
            if exc.status >= 500:
                raise PlatformUnavailable(self._reason(doing, exc)) from None
            raise Undeliverable(self._reason(doing, exc)) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PlatformUnavailable(f"could not {doing}: {type(exc).__name__}") from None

    def _reason(self, doing: str, exc: discord.HTTPException) -> str:
        detail = f"could not {doing}: Discord said {exc.status} ({exc.code}) {exc.text}"
        return scrub(detail, self.client.http.token)


def delivery_mode(client: discord.Client, guild_id: str, channel_id: str) -> str:
    """THREADS where the bot may open private threads in the channel and post in them, else DMS."""
    guild = client.get_guild(int(guild_id))
    channel = guild.get_channel(int(channel_id)) if guild else None
    if guild is None or not isinstance(channel, discord.TextChannel):
        return THREADS  # not known yet: try, and fall back when Discord refuses
    allowed = channel.permissions_for(guild.me)
    if allowed.create_private_threads and allowed.send_messages_in_threads:
        return THREADS
    return DMS


def scrub(detail: str, token: str | None) -> str:
    """``detail`` with the bot token blotted out, should it ever appear."""
    return detail.replace(token, "[token]") if token else detail


def _targets(sent: SentRef) -> dict[int, list[int]]:
    """The messages behind a SentRef, by channel: a thread's pieces, or each DM's."""
    if not sent.conversation.id.startswith(DM_PREFIX):
        return {int(sent.conversation.id): [int(m) for m in sent.message_id.split(",") if m]}
    targets: dict[int, list[int]] = {}
    for part in sent.message_id.split(","):
        channel, _, message_id = part.partition("/")
        if message_id:
            targets.setdefault(int(channel), []).append(int(message_id))
    return targets


def _send_arguments(piece: render.Piece) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "content": piece.content,
        "embeds": list(piece.embeds),
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    view = button_view(piece.buttons)
    if view is not None:
        arguments["view"] = view
    if piece.attachment is not None:
        arguments["file"] = _file(piece.attachment)
    return arguments


def _edit_arguments(piece: render.Piece) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "content": piece.content,
        "embeds": list(piece.embeds),
        "view": button_view(piece.buttons),
    }
    if piece.attachment is not None:
        arguments["attachments"] = [_file(piece.attachment)]
    return arguments


def _file(attachment: render.Attachment) -> discord.File:
    return discord.File(
        io.BytesIO(attachment.data),
        filename=attachment.filename,
        description=attachment.description,
    )
