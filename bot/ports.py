"""The one port between the core and a chat platform.

An adapter implements :class:`Chat`; the core never sees a platform SDK. Failures come back as the
core's :class:`~bot.errors.DeliveryError` children: ``RateLimited(retry_after)``,
``Undeliverable(reason)`` or ``PlatformUnavailable(reason)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Platform
from bot.messages import Form, Message


@dataclass(frozen=True)
class SpaceRef:
    """A community's place on its platform: workspace or guild, and channel."""

    workspace: str
    channel: str


@dataclass(frozen=True)
class MemberInfo:
    """A person as the platform lists them, with the facts the core decides on.

    ``team`` is None where the platform knows none. ``bot``, ``guest`` and ``deactivated`` are
    facts, not rules: the core decides who takes part. ``organisation`` is the name of the
    person's own workspace or server where a community spans several (a Slack Connect channel,
    linked Discord servers): the top level of their team path. ``external`` says they belong to
    another organisation than the community's (a partner's member, not a guest).
    """

    platform_id: str
    display_name: str
    timezone: str | None = None
    team: str | None = None
    bot: bool = False
    guest: bool = False
    deactivated: bool = False
    organisation: str | None = None
    external: bool = False


Progress = Callable[[int, int], None]
"""Told ``(done, total)`` as a long listing of members goes on (for a progress bar)."""


DIRECT = "dm:"
"""How the id of a group made of direct messages begins: ``dm:`` and its people's ids, comma
separated. Such a group is no conversation its people share but one direct message to each
(where the platform may not open one they share); they answer it by writing to the bot directly
(a :class:`~bot.events.DirectMessage`)."""


@dataclass(frozen=True)
class ConversationRef:
    id: str

    @classmethod
    def direct(cls, people: Sequence[str]) -> ConversationRef:
        """A group of ``people`` by direct messages, one to each."""
        return cls(DIRECT + ",".join(people))

    @property
    def by_direct_messages(self) -> bool:
        return self.id.startswith(DIRECT)


@dataclass(frozen=True)
class SentRef:
    conversation: ConversationRef
    message_id: str


class Chat(Protocol):
    """What the core asks of a platform. ``key`` makes sending idempotent: asked twice with one
    key, an adapter sends once and returns the first message's reference."""

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]: ...

    async def open_group(self, people: Sequence[str]) -> ConversationRef: ...

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef: ...

    async def update(self, sent: SentRef, message: Message) -> None: ...

    async def open_form(self, interaction: str, form: Form) -> None: ...


class Eraser(Protocol):
    """Scrubs a person from what an adapter keeps in the project's database itself (Slack's
    OAuth installations name who installed the app), in the transaction of their forget-me:
    ``connection`` is that transaction's, ``person`` their platform id in ``workspace``."""

    async def __call__(
        self, connection: AsyncConnection, platform: Platform, workspace: str, person: str
    ) -> None: ...


@runtime_checkable
class FindsSent(Protocol):
    """A Chat that can look for a message **in doubt** (its sender died, or its call failed, after
    the platform may have taken it) before it is sent again: beyond the platform's own dedupe,
    such as Discord's nonce, which holds for minutes only."""

    async def sent_before(
        self, where: ConversationRef, message: Message, *, key: str
    ) -> SentRef | None: ...


@runtime_checkable
class ReadsOnce(Protocol):
    """A FindsSent that reads each conversation once for every message in doubt there, where
    reading is dear (Slack allows an app outside its Marketplace one history read a minute).
    Told when a claim brings messages newly in doubt, it reads afresh: what it read before
    they were claimed may not show them."""

    def doubts_claimed(self) -> None: ...


@runtime_checkable
class FindsOpened(Protocol):
    """A Chat whose opening of a group is not always idempotent (a thread under a new message,
    where a direct message cannot span organisations): where a group in doubt was opened by a
    sender that died before recording it, or None."""

    async def opened_before(self, people: Sequence[str]) -> ConversationRef | None: ...


@runtime_checkable
class ClosesGroups(Protocol):
    """A Chat whose group conversations can be closed once their introduction is over (Slack's
    group DMs, which stay in each person's sidebar until closed): whether it closed one. A
    conversation that is not one to close (a Slack Connect group's thread in the community's
    channel) is left as it is (False); one already closed is no error. A platform with nothing
    to close does not implement it."""

    async def close_group(self, where: ConversationRef) -> bool: ...


@runtime_checkable
class LocatesChannel(Protocol):
    """A Chat that can say which workspaces of an organisation a community's channel is in (an
    Enterprise Grid channel: the workspace hosting it and those of the org it is shared into), as
    it read them when it last listed the channel's members. None where it cannot say (a channel
    of no organisation, or one it could not read)."""

    async def workspaces_of(self, space: SpaceRef) -> tuple[str, ...] | None: ...
