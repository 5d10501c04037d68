"""The Chat port on Discord, bound to one community: its guild and its pairing channel.

A group is a private thread in the pairing channel with its people added (:mod:`.threads`);
where the bot may not open private threads there, each person gets a direct message naming the
others. Sending is idempotent per key: a message nonce derived from the key with
``enforce_nonce`` (Discord answers a repeated nonce with the first message), and a memory of what
this process already sent. Discord's failures come back as the core's RateLimited, Undeliverable
and PlatformUnavailable (:mod:`.failures`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any

import discord

from adapters.discord import doubt, failures, render, translate
from adapters.discord.outgoing import DM_PREFIX, edit_arguments, send_arguments, targets
from adapters.discord.recent import Recent
from adapters.discord.threads import DMS, Threads, delivery_mode
from adapters.discord.views import FormModal
from bot.errors import PlatformUnavailable, Undeliverable
from bot.messages import Form, Message
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef

log = logging.getLogger(__name__)

MISSING_PERMISSIONS, MISSING_ACCESS = 50013, 50001


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
        self._dms: Recent[str, int] = Recent()
        self._threads = Threads(client, guild, channel)
        self._threads_refused = False

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
            return ConversationRef.direct(people)
        try:
            thread_id = await self._threads.open(people)
        except discord.Forbidden as exc:
            if exc.code not in (MISSING_PERMISSIONS, MISSING_ACCESS):
                reason = failures.reason(self.client, "open a private thread", exc)
                raise Undeliverable(reason) from None
            log.warning(
                "guild %s: may not open private threads in %s; sending direct messages",
                self.guild,
                self.channel,
            )
            self._threads_refused = True
            return ConversationRef.direct(people)
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
        for channel_id, message_ids in targets(sent).items():
            if len(pieces) > len(message_ids):
                log.warning("guild %s: an update is longer than the message", self.guild)
            target = self.client.get_partial_messageable(channel_id)
            for message_id, piece in zip(message_ids, pieces, strict=False):
                async with self._discord(f"edit message {message_id}"):
                    await target.get_partial_message(message_id).edit(**edit_arguments(piece))

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

    # What `status` reports.

    def mode(self) -> str:
        """Whether introductions go out as private threads or, where not allowed, as DMs."""
        if self._threads_refused:
            return DMS
        return delivery_mode(self.client, self.guild, self.channel)

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
                        nonce=translate.nonce(piece_key), **send_arguments(piece)
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

    def _discord(self, doing: str) -> AbstractAsyncContextManager[None]:
        return failures.guard(self.client, doing)
