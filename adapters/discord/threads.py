"""The private threads a community's groups meet in, in its pairing channel.

A group's thread is named after its people's first names; the bot opens it (not invitable) and
adds each person. After a restart, a thread this bot opened for the same group and still open is
found again rather than opened twice. Where the bot may not open private threads in the channel
(:func:`delivery_mode`), groups meet by direct messages instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import discord

from adapters.discord.failures import guard
from adapters.discord.recent import Recent
from bot.domain import first_name_of
from bot.errors import Undeliverable
from bot.texts import copy

log = logging.getLogger(__name__)

MAX_THREAD_NAME = 100
WEEK_MINUTES: Literal[10080] = 10080
PRIVATE_THREAD: Literal[12] = 12
THREADS, DMS = "threads", "dms"


class Threads:
    """One community's group threads, and what this process knows of them (bounded)."""

    def __init__(self, client: discord.Client, guild: str, channel: str) -> None:
        self.client = client
        self.guild = guild
        self.channel = channel
        self._threads: Recent[frozenset[str], str] = Recent()
        self._added: Recent[str, set[str]] = Recent()
        self._active: list[dict[str, Any]] | None = None  # the bot's open threads, read once

    async def open(self, people: Sequence[str]) -> str:
        """The group's thread, opened or found again, with its people added. Discord's
        ``Forbidden`` on opening it is let out, for the caller to fall back to DMs."""
        thread_id = await self._thread_for(people)
        await self._add_people(thread_id, people)
        return thread_id

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
        async with guard(self.client, "open a private thread", passthrough=discord.Forbidden):
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
            async with guard(self.client, f"list the open threads of guild {self.guild}"):
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
            async with guard(self.client, f"list the members of thread {thread['id']}"):
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
                async with guard(self.client, f"add a member to thread {thread_id}"):
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
                async with guard(self.client, f"look up member {person}"):
                    data = await self.client.http.get_member(self.guild, person)
            except Undeliverable:
                continue
            user = data["user"]
            shown = data.get("nick") or user.get("global_name") or user["username"]
            names.append(first_name_of(shown))
        return names


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
